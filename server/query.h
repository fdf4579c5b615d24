/* The query layer: an analytics query (indicator, dimensions with optional items, filters,
 * period) parsed from DHIS2-style parameters, validated against the indicator's fact, the
 * code lists and the role's dimension limit, and turned into one parameterised SQL
 * statement over the analytics schema. Columns come from const tables; request values
 * travel only as parameters. The result is a table of cells: numerator, denominator where
 * relevant, and the cell key (sum of record keys mod 2^32) for disclosure control. */
#ifndef WQ_QUERY_H
#define WQ_QUERY_H

#include <stdint.h>

#include "common/codelist.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "server/indicator.h"
#include "server/model.h"

#define QUERY_MAX_DIMS	8
#define QUERY_MAX_ITEMS 64
/* The longest canonical text of a query; a longer one is Q1020. A URL within [limits]
 * max_url_bytes (4 KiB as shipped) never comes near it. */
#define QUERY_TEXT_MAX 16384

struct query_dim {
	const struct dimension *dim;
	char items[QUERY_MAX_ITEMS][64]; /* validated canonical codes; none = all */
	int nitems;
	int is_filter;
};

struct query {
	const struct indicator *ind;
	struct query_dim dims[QUERY_MAX_DIMS * 2];
	int ndims, nfilters;
	int from_year, to_year; /* 0 when not given */
	/* The official release asked (release=N, docs/releases.md): answered from its
	 * published tables alone; 0 the newest. And the release whose populations a rate
	 * divides by (0: the population table of now). Neither is in the canonical text. */
	int release, population_of;
	/* The normalised text, made once by query_parse: the indicator, the dimensions in
	 * their order (items sorted), the filters sorted, the period. The key of the answer
	 * cache, the audit's record of the query, and (with a standard) the public tables'. */
	char canonical[QUERY_TEXT_MAX];
};

/* A query as asked: the parameters' text, not yet checked. dims and filters are "NAME" or
 * "NAME:a;b;c"; from and to NULL when not given. Borrowed by query_parse. */
struct query_text {
	const char *indicator;
	const char *const *dims;
	int ndims;
	const char *const *filters;
	int nfilters;
	const char *from, *to;
};

/* Parses t into q. Returns 0, or -1 with e set (Q10xx; docs/api.md, e->field the
 * parameter at fault) and *status the HTTP status to answer with. Items are copied once
 * validated. The role's limit on dimensions is the grammar's (grammar.h). */
int query_parse(struct query *q, const struct indicators *inds, const struct codelists *lists,
		const struct query_text *t, unsigned *status, struct wq_error *e);

/* The same from a query string as the analytics route takes it, without URL decoding
 * ("indicator=victims&dimension=year&from=2015": the public tables' lines, the tools).
 * Q1014 for a parameter that is not one of a query's. */
int query_parse_text(struct query *q, const struct indicators *inds, const struct codelists *lists,
		     const char *text, unsigned *status, struct wq_error *e);

/* The SQL of q and its parameters (malloc'd; free with query_params_free). Columns of the
 * result: the dimensions, then numerator, denominator (NULL when none), the cell keys of
 * the numerator's and the denominator's rows (NULL for a rate's population), the rows
 * excluded (outside a proportion's denominator, a count's numerator) and their cell key. */
enum { QCOL_NUM, QCOL_DEN, QCOL_CKN, QCOL_CKD, QCOL_EXCLUDED, QCOL_CKX, QCOL_N };
void query_sql(const struct query *q, struct strbuf *sql, char **params, int *nparams);
void query_params_free(char **params, int nparams);
/* The population (a rate's denominator) of q's cells alone: columns the values of q's
 * person dimensions, in q's order, then the population. -1 (no SQL) when a person
 * dimension or filter of q has no population column. */
int query_population_sql(const struct query *q, struct strbuf *sql, char **params, int *nparams);

/* The definition of one cell of q: the constraints that select its rows, sorted, so that
 * the same cell reached through any query has the same definition and therefore the same
 * noise. Its years are one constraint however they were asked (a year column, a year
 * filter, from/to), clamped to the data's first..last (0: unknown) and written as runs;
 * an item listed twice, or a filter repeating a column's item, counts once. values: the
 * cell's dimension values as the SQL returns them (NULL for a null group); NULL for the
 * whole table (its columns' item lists, the filters, the years). */
void query_cell_definition(const struct query *q, const char *const *values, int first, int last,
			   struct strbuf *out);

/* The parts of a definition, for the layout's definer (layout.h): the constraint of q's
 * dimension or filter i on a cell (cell: 0 for the whole table) whose column i has value
 * (column: the cell's value, NULL the null group; else its items, or every item), as a
 * new string, NULL when it adds nothing; the cell's years as runs ("year=2015-2017,2019")
 * within the data's first..last; and constraints c[0..n) sorted, each once, joined by '&'. */
char *query_constraint(const struct query *q, int i, int column, const char *value, int cell);
void query_years(const struct query *q, const char *const *values, int first, int last,
		 struct strbuf *out);
void query_join(const char **c, int n, struct strbuf *out);

#endif
