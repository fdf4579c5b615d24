/* The sensitivity L of a query (docs/privacy.md "The cost of a query"): the most one
 * child-year adds to all its cells together; a query costs L / b. The privacy unit is a
 * child-year: in one year a child counts in up to item_cap items of each multi-valued
 * column, and in both the numerator and the denominator of a proportion. Years do not
 * multiply it: a child reported in k years is protected at k times the epsilon. */
#ifndef WQ_SENSITIVITY_H
#define WQ_SENSITIVITY_H

#include "common/codelist.h"
#include "server/query.h"

int sensitivity_of(const struct query *q, const struct codelists *lists, int item_cap);

#endif
