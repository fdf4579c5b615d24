/* A query answered by scanning columns (columns.h): the exact cells of q's layout, the same
 * numbers the SQL path's statement gives (query.h), from one data version in memory. Filters
 * and the period become lookup tables from a column's codes to "kept", the dimensions lookup
 * tables from codes to positions in the layout, and every row that passes adds itself to its
 * cell (once per item of a multi-valued dimension) in one pass, split over the cores. A
 * rate's population is not a fact: the caller adds it (exact.c). */
#ifndef WQ_SCAN_H
#define WQ_SCAN_H

#include <stddef.h>

#include "server/columns.h"
#include "server/exact.h"
#include "server/layout.h"
#include "server/query.h"

/* Fills out[0..total) (total the product of dom's sizes) with q's exact cells over c; for a
 * rate, has_den is left 0 and *kept says which cells have rows that count (the cells the
 * population then applies to: allocated by the caller, total entries). 0, or -1 when c
 * has no columns for q's fact, or more rows than a thread's 32-bit counts hold (2^32 a
 * core: beyond any memory the engine is sized for). */
int scan_cells(const struct columns *c, const struct query *q, const struct domain *dom,
	       size_t total, struct exact_cell *out, unsigned char *kept);

#endif
