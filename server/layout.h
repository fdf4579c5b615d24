/* The layout of a table: every combination of its dimensions' items (the code lists, the
 * data's years, the items listed, a filter's items on the same dimension, the null group
 * of a nullable column), so that a true zero is a cell like any other, never an absent
 * row. Items are canonical codes pointing into the code lists or a static table of years:
 * they live as long as the program. */
#ifndef WQ_LAYOUT_H
#define WQ_LAYOUT_H

#include <stddef.h>

#include "common/codelist.h"
#include "server/query.h"

#define LAYOUT_MAX_ITEMS 512

/* One dimension's items, in the order of its list. */
struct domain {
	const char *items[LAYOUT_MAX_ITEMS]; /* canonical codes; NULL: the null group */
	int n;
};

/* The domains of q's dimensions over data spanning first..last. */
void layout_domains(const struct query *q, const struct codelists *lists, int first, int last,
		    struct domain *dom);
/* The number of cells (the product of the domains' sizes), or max + 1 past max. */
size_t layout_cells(const struct query *q, const struct domain *dom, size_t max);
/* The position of code in d (NULL matches the null group), or -1. */
int layout_index(const struct domain *d, const char *code);
/* Whether code is one of d's items. */
int layout_listed(const struct query_dim *d, const char *code);
/* A year as text, from a static table ("" outside 1900..2200). */
const char *layout_year(int y);

/* query_cell_definition (query.h) for every cell of a laid-out table, with the work done
 * once per table: the filters' constraints, each column item's, and the years per item of
 * the year column. layout_definer_cell gives the definition of the cell at positions idx
 * in the domains, byte for byte what query_cell_definition gives for its values
 * (tests/tools/engine_parity.c holds them to each other). */
struct layout_definer {
	char *fixed[QUERY_MAX_DIMS];
	int nfixed;
	char **column[QUERY_MAX_DIMS]; /* per dimension, per item: NULL when it adds nothing */
	int counts[QUERY_MAX_DIMS], ndims;
	char **years; /* per item of the year column (year_column - 1), or one */
	int nyears, year_column;
};
void layout_definer_init(struct layout_definer *df, const struct query *q, const struct domain *dom,
			 int first, int last);
void layout_definer_cell(const struct layout_definer *df, const int *idx, struct strbuf *out);
void layout_definer_free(struct layout_definer *df);

#endif
