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

#define QUERY_MAX_DIMS	8
#define QUERY_MAX_ITEMS 64

enum dim_kind { DIM_CODE, DIM_YEAR, DIM_BOOL };

/* person: an attribute of the child that restricts the population (sex, region...);
 * event: an attribute of the case (offence, detection...) that does not. */
struct dimension {
	const char *name, *list; /* list: code list of its items; NULL for year, financial */
	enum dim_kind kind;
	int person;
	const char *pop; /* its column in analytics.population, NULL when it has none */
	int multi;	 /* offences and technology: arrays, a child counts once per item */
};

struct fact {
	const char *name, *table;
	const char *const *dims; /* the dimensions that apply, NULL-terminated */
};

struct predicate {
	const char *fact, *name, *sql; /* sql: a condition over the fact's row v */
};

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
};

const struct dimension *query_dimension(const char *name);
const struct dimension *query_dimension_at(size_t i); /* NULL past the end */
const struct fact *query_fact(const char *name);
const struct predicate *query_predicate(const struct fact *f, const char *name);
int fact_has(const struct fact *f, const struct dimension *d);

/* Parses the parameters. Returns 0, or -1 with e set (Q10xx; docs/api.md) and *status the
 * HTTP status to answer with. Items are copied once validated. */
int query_parse(struct query *q, const struct indicators *inds, const struct codelists *lists,
		const char *indicator, const char *const *dims, int ndims,
		const char *const *filters, int nfilters, const char *from, const char *to,
		int max_dims, unsigned *status, struct wq_error *e);

/* The SQL of q and its parameters (malloc'd; free with query_params_free). Columns of the
 * result: the dimensions, then numerator, denominator (NULL when none), cell key, and
 * "excluded" (rows outside a proportion's denominator). */
void query_sql(const struct query *q, struct strbuf *sql, char **params, int *nparams);
void query_params_free(char **params, int nparams);

#endif
