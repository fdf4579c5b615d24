/* An analytics query: indicator, dimensions (columns of the answer, optionally limited to
 * items), filters and a period, parsed from DHIS2-style parameters, validated against the
 * const dimension table and the code lists, and turned into one parameterised SQL
 * statement. No request text ever enters the SQL: columns come from the table below,
 * values travel as parameters. */
#ifndef WQ_QUERY_H
#define WQ_QUERY_H

#include "common/codelist.h"
#include "common/error.h"
#include "common/strbuf.h"

#define QUERY_MAX_DIMS	8
#define QUERY_MAX_ITEMS 64

enum dim_kind { DIM_CODE, DIM_YEAR, DIM_BOOL };

struct dimension {
	const char *name;   /* the API's name */
	const char *column; /* SQL expression over victim_year v (or the unnest alias) */
	const char *list;   /* code list of its items and labels; NULL for year, financial */
	enum dim_kind kind;
	const char *unnest; /* for multi-valued dimensions: the array column to unnest */
};

struct indicator {
	const char *id, *name_en, *name_ar, *unit, *type;
};

struct query_dim {
	const struct dimension *dim;
	char items[QUERY_MAX_ITEMS][64]; /* validated canonical codes; none = all */
	int nitems;
	int is_filter;
};

struct query {
	const struct indicator *indicator;
	struct query_dim dims[QUERY_MAX_DIMS * 2];
	int ndims, nfilters;
	int from_year, to_year; /* 0 when not given */
};

/* The dimension called NAME, or NULL. */
const struct dimension *query_dimension(const char *name);
/* The indicator called ID, or NULL. */
const struct indicator *query_indicator(const char *id);

/* Parses indicator, dimension=NAME[:a;b], filter=NAME:a;b, from, to. Returns 0, or -1
 * with e set (Q10xx; see docs/api.md) and *status the HTTP status to answer with. Items
 * are copied once validated; the query keeps no pointer into the request. */
int query_parse(struct query *q, const struct codelists *lists, const char *indicator,
		const char *const *dims, int ndims, const char *const *filters, int nfilters,
		const char *from, const char *to, int max_dims, unsigned *status,
		struct wq_error *e);

/* Builds the SQL and its parameters (malloc'd strings in params[0..*nparams-1]; free
 * them with query_params_free). */
void query_sql(const struct query *q, struct strbuf *sql, char **params, int *nparams);
void query_params_free(char **params, int nparams);

#endif
