/* Query parsing, validation and SQL generation (see query.h and docs/indicators.md). */
#include "server/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static int fail(unsigned *status, unsigned code)
{
	*status = code;
	return -1;
}

static int parse_year(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < 1900 || v > 2200)
		return -1;
	*out = (int)v;
	return 0;
}

/* Parses "NAME" or "NAME:a;b;c" into d. */
static int parse_dim(struct query_dim *d, const struct fact *fact, const struct codelists *lists,
		     const char *spec, int is_filter, unsigned *status, struct wq_error *e)
{
	char name[64];
	const char *colon = strchr(spec, ':');
	size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	memset(d, 0, sizeof *d);
	d->is_filter = is_filter;
	if (nlen == 0 || nlen >= sizeof name) {
		err_set(e, "Q1002", "unknown dimension");
		return fail(status, 400);
	}
	memcpy(name, spec, nlen);
	name[nlen] = '\0';
	d->dim = model_dimension(name);
	if (!d->dim) {
		/* Only a plain name is echoed back. */
		int plain = 1;
		for (size_t i = 0; i < nlen; i++)
			plain &= (name[i] >= 'a' && name[i] <= 'z') || name[i] == '_';
		err_set(e, "Q1002", plain ? "unknown dimension \"%s\"" : "unknown dimension%s",
			plain ? name : "");
		err_hint(e, "GET /api/v1/dimensions lists them.");
		return fail(status, 400);
	}
	if (!model_fact_has(fact, d->dim)) {
		err_set(e, "Q1004", "dimension \"%s\" does not apply to this indicator",
			d->dim->name);
		err_hint(e, "GET /api/v1/indicators lists the dimensions of each indicator.");
		return fail(status, 409);
	}
	if (!colon) {
		if (is_filter) {
			err_set(e, "Q1007", "filter \"%s\" names no items", d->dim->name);
			err_hint(e, "Write filter=%s:item;item.", d->dim->name);
			return fail(status, 400);
		}
		return 0;
	}
	const struct code_list *list = d->dim->list ? codelists_get(lists, d->dim->list) : NULL;
	const char *p = colon + 1;
	while (*p) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		char item[96], year[8];
		if (len == 0 || len >= sizeof item) {
			err_set(e, "Q1003", "an item of dimension \"%s\" is empty or too long",
				d->dim->name);
			return fail(status, 409);
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (d->nitems == QUERY_MAX_ITEMS) {
			err_set(e, "Q1003", "dimension \"%s\" lists more than %d items",
				d->dim->name, QUERY_MAX_ITEMS);
			return fail(status, 409);
		}
		const char *canonical = NULL;
		int y;
		if (d->dim->kind == DIM_YEAR && parse_year(item, &y) == 0) {
			snprintf(year, sizeof year, "%d", y);
			canonical = year;
		} else if (d->dim->kind == DIM_BOOL &&
			   (!strcmp(item, "true") || !strcmp(item, "false"))) {
			canonical = item[0] == 't' ? "true" : "false";
		} else if (list) {
			int i = codelist_index(list, item);
			canonical = i >= 0 ? list->items[i].code : NULL;
		}
		if (!canonical) {
			err_set(e, "Q1003", "not an item of dimension \"%s\"", d->dim->name);
			err_hint(e, "GET /api/v1/dimensions/%s lists its items.", d->dim->name);
			return fail(status, 409);
		}
		/* An item listed twice is one item: the same cells, the same definition. */
		int again = 0;
		for (int k = 0; k < d->nitems; k++)
			again |= strcmp(d->items[k], canonical) == 0;
		if (!again)
			snprintf(d->items[d->nitems++], sizeof d->items[0], "%s", canonical);
		p += len + (semi ? 1 : 0);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* d's items, sorted, joined by sep. */
static void sorted_items(const struct query_dim *d, char sep, struct strbuf *out)
{
	const char *v[QUERY_MAX_ITEMS] = {0};
	for (int i = 0; i < d->nitems; i++)
		v[i] = d->items[i];
	qsort(v, (size_t)d->nitems, sizeof v[0], cmp_str);
	for (int i = 0; i < d->nitems; i++) {
		if (i)
			sb_putc(out, sep);
		sb_puts(out, v[i]);
	}
}

/* The normalised text of q (struct query's canonical). */
static void canonical(const struct query *q, struct strbuf *out)
{
	char *filters[QUERY_MAX_DIMS] = {0};
	sb_reset(out);
	sb_printf(out, "indicator=%s", q->ind->id);
	for (int i = 0; i < q->ndims; i++) {
		sb_printf(out, "&dimension=%s", q->dims[i].dim->name);
		if (q->dims[i].nitems) {
			sb_putc(out, ':');
			sorted_items(&q->dims[i], ';', out);
		}
	}
	for (int i = 0; i < q->nfilters; i++) {
		struct strbuf f;
		sb_init(&f);
		sb_printf(&f, "&filter=%s:", q->dims[q->ndims + i].dim->name);
		sorted_items(&q->dims[q->ndims + i], ';', &f);
		filters[i] = f.data;
	}
	qsort(filters, (size_t)q->nfilters, sizeof filters[0], cmp_str);
	for (int i = 0; i < q->nfilters; i++) {
		sb_puts(out, filters[i]);
		free(filters[i]);
	}
	if (q->from_year)
		sb_printf(out, "&from=%d", q->from_year);
	if (q->to_year)
		sb_printf(out, "&to=%d", q->to_year);
}

int query_parse(struct query *q, const struct indicators *inds, const struct codelists *lists,
		const struct query_text *t, unsigned *status, struct wq_error *e)
{
	const char *indicator = t->indicator, *from = t->from, *to = t->to;
	const char *const *dims = t->dims, *const *filters = t->filters;
	int ndims = t->ndims, nfilters = t->nfilters;
	memset(q, 0, sizeof *q);
	if (!indicator) {
		err_set(e, "Q1006", "the parameter \"indicator\" is required");
		err_hint(e, "GET /api/v1/indicators lists them.");
		err_field(e, "indicator");
		return fail(status, 400);
	}
	q->ind = indicators_get(inds, indicator);
	if (!q->ind) {
		err_set(e, "Q1001", "unknown indicator");
		err_hint(e, "GET /api/v1/indicators lists them.");
		err_field(e, "indicator");
		return fail(status, 400);
	}
	if (ndims > QUERY_MAX_DIMS) {
		err_set(e, "Q1005", "too many dimensions: at most %d", QUERY_MAX_DIMS);
		err_field(e, "dimension");
		return fail(status, 409);
	}
	if (nfilters > QUERY_MAX_DIMS) {
		err_set(e, "Q1005", "too many filters: at most %d", QUERY_MAX_DIMS);
		err_field(e, "filter");
		return fail(status, 409);
	}
	for (int i = 0; i < ndims; i++) {
		if (parse_dim(&q->dims[q->ndims], q->ind->fact, lists, dims[i], 0, status, e) < 0) {
			err_field(e, "dimension");
			return -1;
		}
		/* Every item of a column that is never null, listed, is the column: the same
		 * cells, the same definitions. */
		struct query_dim *d = &q->dims[q->ndims];
		const struct code_list *l =
		    d->dim->list ? codelists_get(lists, d->dim->list) : NULL;
		if (l && !d->dim->multi && (size_t)d->nitems == l->n &&
		    !model_fact_nullable(q->ind->fact, d->dim))
			d->nitems = 0;
		for (int k = 0; k < q->ndims; k++)
			if (q->dims[k].dim == q->dims[q->ndims].dim) {
				err_set(e, "Q1008", "dimension \"%s\" is given twice",
					q->dims[k].dim->name);
				err_field(e, "dimension");
				return fail(status, 409);
			}
		q->ndims++;
	}
	for (int i = 0; i < nfilters; i++) {
		struct query_dim *f = &q->dims[q->ndims + q->nfilters];
		if (parse_dim(f, q->ind->fact, lists, filters[i], 1, status, e) < 0) {
			err_field(e, "filter");
			return -1;
		}
		/* A filter listing every item of a column that is never null selects every
		 * row: it is no filter, so that the same cells have the same definition. */
		const struct code_list *l =
		    f->dim->list ? codelists_get(lists, f->dim->list) : NULL;
		if (l && !f->dim->multi && (size_t)f->nitems == l->n &&
		    !model_fact_nullable(q->ind->fact, f->dim))
			continue;
		q->nfilters++;
	}
	if (from && parse_year(from, &q->from_year) < 0) {
		err_set(e, "Q1009", "\"from\" must be a year");
		err_field(e, "from");
		return fail(status, 400);
	}
	if (to && parse_year(to, &q->to_year) < 0) {
		err_set(e, "Q1009", "\"to\" must be a year");
		err_field(e, "to");
		return fail(status, 400);
	}
	if (q->from_year && q->to_year && q->from_year > q->to_year) {
		err_set(e, "Q1009", "\"from\" (%d) is after \"to\" (%d)", q->from_year, q->to_year);
		err_field(e, "from");
		return fail(status, 400);
	}
	struct strbuf text;
	sb_init(&text);
	canonical(q, &text);
	int fits = text.len < sizeof q->canonical;
	if (fits)
		memcpy(q->canonical, text.data, text.len + 1);
	sb_free(&text);
	if (!fits) {
		err_set(e, "Q1020", "the query is too long");
		err_detail(e, "Its normalised text is longer than %d bytes.", QUERY_TEXT_MAX);
		return fail(status, 400);
	}
	return 0;
}

int query_parse_text(struct query *q, const struct indicators *inds, const struct codelists *lists,
		     const char *text, unsigned *status, struct wq_error *e)
{
	const char *indicator = NULL, *from = NULL, *to = NULL;
	const char *dims[QUERY_MAX_DIMS + 1], *filters[QUERY_MAX_DIMS + 1];
	int nd = 0, nf = 0, rc = -1;
	char *copy = xstrdup(text);
	for (char *save = NULL, *kv = strtok_r(copy, "&", &save); kv;
	     kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		if (v && strcmp(kv, "indicator") == 0)
			indicator = v;
		else if (v && strcmp(kv, "dimension") == 0) {
			/* One more than allowed is kept, so that query_parse says too many. */
			if (nd < QUERY_MAX_DIMS + 1)
				dims[nd++] = v;
		} else if (v && strcmp(kv, "filter") == 0) {
			if (nf < QUERY_MAX_DIMS + 1)
				filters[nf++] = v;
		} else if (v && strcmp(kv, "from") == 0)
			from = v;
		else if (v && strcmp(kv, "to") == 0)
			to = v;
		else {
			err_set(e, "Q1014", "\"%s\" is not a parameter of a query", kv);
			*status = 400;
			goto out;
		}
	}
	struct query_text t = {indicator, dims, nd, filters, nf, from, to};
	rc = query_parse(q, inds, lists, &t, status, e);
out:
	free(copy);
	return rc;
}

static char *items_array(const struct query_dim *d)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_putc(&sb, '{');
	for (int i = 0; i < d->nitems; i++) {
		if (i)
			sb_putc(&sb, ',');
		sb_puts(&sb, d->items[i]); /* validated codes, years or booleans */
	}
	sb_putc(&sb, '}');
	return sb.data;
}

static const char *array_type(enum dim_kind k)
{
	return k == DIM_YEAR ? "int[]" : k == DIM_BOOL ? "boolean[]" : "text[]";
}

/* The column of a dimension in the fact row v (u_NAME for an unnested array). */
static void fact_col(struct strbuf *sql, const struct dimension *d)
{
	if (d->multi)
		sb_printf(sql, "u_%s", d->name);
	else
		sb_printf(sql, "v.%s", d->name);
}

static const char *array_col(const struct dimension *d)
{
	return d->multi; /* a column of the fact row v, from model.c's const table */
}

/* The fact side: per cell the numerator, the denominator of a proportion, the cell key and
 * the rows a proportion excludes. */
static void fact_sql(const struct query *q, struct strbuf *sql, char **params, int *np)
{
	const struct indicator *ind = q->ind;
	sb_puts(sql, "SELECT ");
	for (int i = 0; i < q->ndims; i++) {
		fact_col(sql, q->dims[i].dim);
		sb_printf(sql, " AS d%d, ", i);
	}
	/* The cell keys of the numerator's, the denominator's and the excluded rows: the sum
	 * of their record keys mod 2^32 (disclosure.md), for the protection layer only. */
	const char *den = ind->type == IND_PROPORTION ? ind->denominator->sql : "true";
	const char *numer = ind->numerator->sql;
	if (ind->type == IND_PROPORTION)
		sb_printf(
		    sql,
		    "count(*) FILTER (WHERE (%s) AND (%s)) AS num, "
		    "count(*) FILTER (WHERE %s) AS den, "
		    "coalesce(sum(v.record_key) FILTER (WHERE (%s) AND (%s)), 0) %% 4294967296 "
		    "AS ckn, "
		    "coalesce(sum(v.record_key) FILTER (WHERE %s), 0) %% 4294967296 AS ckd, ",
		    numer, den, den, numer, den, den);
	else
		sb_printf(sql,
			  "count(*) FILTER (WHERE %s) AS num, NULL::bigint AS den, "
			  "coalesce(sum(v.record_key) FILTER (WHERE %s), 0) %% 4294967296 AS ckn, "
			  "NULL::bigint AS ckd, ",
			  numer, numer);
	const char *kept = ind->type == IND_PROPORTION ? den : numer;
	sb_printf(sql,
		  "count(*) FILTER (WHERE NOT (%s)) AS excluded, "
		  "coalesce(sum(v.record_key) FILTER (WHERE NOT (%s)), 0) %% 4294967296 AS ckx",
		  kept, kept);
	sb_printf(sql, " FROM %s v", ind->fact->table);
	/* A multi-valued dimension counts a row once per item: one unnest each. */
	for (int i = 0; i < q->ndims; i++)
		if (q->dims[i].dim->multi)
			sb_printf(sql, " CROSS JOIN LATERAL unnest(v.%s) AS u_%s",
				  array_col(q->dims[i].dim), q->dims[i].dim->name);
	sb_puts(sql, " WHERE true");
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		const struct query_dim *d = &q->dims[i];
		if (d->nitems == 0)
			continue;
		params[(*np)++] = items_array(d);
		if (d->dim->multi && d->is_filter) {
			sb_printf(sql, " AND v.%s && $%d::text[]", array_col(d->dim), *np);
		} else {
			sb_puts(sql, " AND ");
			fact_col(sql, d->dim);
			sb_printf(sql, " = ANY($%d::%s)", *np, array_type(d->dim->kind));
		}
	}
	if (q->from_year) {
		params[(*np)++] = xasprintf("%d", q->from_year);
		sb_printf(sql, " AND v.year >= $%d::int", *np);
	}
	if (q->to_year) {
		params[(*np)++] = xasprintf("%d", q->to_year);
		sb_printf(sql, " AND v.year <= $%d::int", *np);
	}
	if (q->ndims) {
		sb_puts(sql, " GROUP BY ");
		for (int i = 0; i < q->ndims; i++)
			sb_printf(sql, "%s%d", i ? ", " : "", i + 1);
	}
}

/* Can the population table give this query a denominator? Every person dimension and
 * person filter needs a population column. */
static int population_covers(const struct query *q)
{
	for (int i = 0; i < q->ndims + q->nfilters; i++)
		if (q->dims[i].dim->person && !q->dims[i].dim->pop)
			return 0;
	return 1;
}

/* The population side of a rate: children by the query's person dimensions, restricted by
 * its person filters, from rows whose extra dimensions are exactly those asked for. */
static void population_sql(const struct query *q, struct strbuf *sql, char **params, int *np)
{
	struct strbuf keys;
	sb_init(&keys);
	sb_putc(&keys, '{');
	sb_puts(sql, "SELECT ");
	for (int i = 0; i < q->ndims; i++)
		if (q->dims[i].dim->person)
			sb_printf(sql, "%s AS d%d, ", q->dims[i].dim->pop, i);
	if (q->population_of) {
		/* An official release's populations, as it was made with them. */
		params[(*np)++] = xasprintf("%d", q->population_of);
		sb_printf(sql,
			  "sum(p.population) AS pop FROM auth.release_population p "
			  "WHERE p.release = $%d::int AND p.age <= 17",
			  *np);
	} else {
		sb_puts(sql,
			"sum(p.population) AS pop FROM analytics.population p WHERE p.age <= 17");
	}
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		const struct query_dim *d = &q->dims[i];
		if (!d->dim->person)
			continue;
		if (strncmp(d->dim->pop, "(p.dims", 7) == 0) {
			int seen = 0; /* a dimension asked twice (column and filter) counts once */
			for (int k = 0; k < i; k++)
				seen |= q->dims[k].dim == d->dim;
			if (!seen)
				sb_printf(&keys, "%s%s", keys.len > 1 ? "," : "", d->dim->name);
		}
		if (d->nitems == 0)
			continue;
		params[(*np)++] = items_array(d);
		if (d->dim->kind == DIM_YEAR)
			sb_printf(sql, " AND %s = ANY($%d::int[])", d->dim->pop, *np);
		else
			sb_printf(sql, " AND %s = ANY($%d::text[])", d->dim->pop, *np);
	}
	sb_putc(&keys, '}');
	params[(*np)++] = keys.data;
	/* The row's extra dimensions are exactly the keys (distinct): it has every one, and
	 * nothing is left without them. Two operators a row; the sorted arrays of its keys
	 * compared by subqueries were 80 ms of a rate's 95 on the demo's 77,220 rows. */
	sb_printf(sql, " AND p.dims ?& $%d::text[] AND p.dims - $%d::text[] = '{}'::jsonb", *np,
		  *np);
	if (q->from_year) {
		params[(*np)++] = xasprintf("%d", q->from_year);
		sb_printf(sql, " AND p.year >= $%d::int", *np);
	}
	if (q->to_year) {
		params[(*np)++] = xasprintf("%d", q->to_year);
		sb_printf(sql, " AND p.year <= $%d::int", *np);
	}
	int grouped = 0;
	for (int i = 0; i < q->ndims; i++)
		if (q->dims[i].dim->person) {
			grouped++;
			sb_printf(sql, "%s%d", grouped > 1 ? ", " : " GROUP BY ", grouped);
		}
}

int query_population_sql(const struct query *q, struct strbuf *sql, char **params, int *nparams)
{
	int np = 0;
	sb_reset(sql);
	if (!population_covers(q))
		return -1;
	population_sql(q, sql, params, &np);
	*nparams = np;
	return 0;
}

void query_sql(const struct query *q, struct strbuf *sql, char **params, int *nparams)
{
	int np = 0;
	sb_reset(sql);
	sb_puts(sql, "WITH f AS (");
	fact_sql(q, sql, params, &np);
	sb_puts(sql, ")");
	int rate = q->ind->type == IND_RATE, covered = rate && population_covers(q);
	if (covered) {
		sb_puts(sql, ", pop AS (");
		population_sql(q, sql, params, &np);
		sb_puts(sql, ")");
	}
	sb_puts(sql, " SELECT ");
	for (int i = 0; i < q->ndims; i++)
		sb_printf(sql, "f.d%d, ", i);
	sb_puts(sql, covered ? "f.num, pop.pop, f.ckn, f.ckd, f.excluded, f.ckx FROM f "
			       "LEFT JOIN pop ON true"
			     : "f.num, f.den, f.ckn, f.ckd, f.excluded, f.ckx FROM f");
	for (int i = 0; covered && i < q->ndims; i++)
		if (q->dims[i].dim->person)
			sb_printf(sql, " AND pop.d%d = f.d%d", i, i);
	/* A rate counts children: a cell made only of rows outside its numerator (the 18+
	 * band of victim_rate) is no cell of that table. */
	if (rate)
		sb_puts(sql, " WHERE f.num > 0 OR f.excluded = 0");
	if (q->ndims) {
		sb_puts(sql, " ORDER BY ");
		for (int i = 0; i < q->ndims; i++)
			sb_printf(sql, "%s%d", i ? ", " : "", i + 1);
	}
	*nparams = np;
}

void query_params_free(char **params, int nparams)
{
	for (int i = 0; i < nparams; i++)
		free(params[i]);
}

/* Whether year y is in the cell: the period, every year column's value and every year
 * filter's items. */
static int year_in(const struct query *q, const char *const *values, int y)
{
	char text[8];
	snprintf(text, sizeof text, "%d", y);
	if ((q->from_year && y < q->from_year) || (q->to_year && y > q->to_year))
		return 0;
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		const struct query_dim *d = &q->dims[i];
		if (d->dim->kind != DIM_YEAR)
			continue;
		if (i < q->ndims && values && values[i] && strcmp(values[i], text) != 0)
			return 0;
		int listed = d->nitems == 0;
		for (int k = 0; k < d->nitems; k++)
			listed |= strcmp(d->items[k], text) == 0;
		if (!listed)
			return 0;
	}
	return 1;
}

void query_years(const struct query *q, const char *const *values, int first, int last,
		 struct strbuf *out)
{
	int lo = first > 0 ? first : q->from_year ? q->from_year : 1900;
	int hi = last > 0 ? last : q->to_year ? q->to_year : 2200;
	int run = 0, n = 0;
	sb_puts(out, "year=");
	for (int y = lo; y <= hi + 1; y++) {
		int in = y <= hi && year_in(q, values, y);
		if (in && !run)
			run = y;
		if (!in && run) {
			sb_printf(out, n++ ? ",%d" : "%d", run);
			if (y - 1 > run)
				sb_printf(out, "-%d", y - 1);
			run = 0;
		}
	}
	if (!n)
		sb_puts(out, "none");
}

char *query_constraint(const struct query *q, int i, int column, const char *value, int cell)
{
	const struct query_dim *d = &q->dims[i];
	if (d->dim->kind == DIM_YEAR)
		return NULL; /* one constraint for every way of naming years, query_years */
	if (i < q->ndims && !cell && !d->nitems && !d->dim->multi)
		return NULL; /* the whole table: a column without items selects every row */
	/* A filter on a single-valued column shown as a dimension adds nothing: the layout
	 * holds only the filter's items. */
	for (int k = 0; i >= q->ndims && cell && !d->dim->multi && k < q->ndims; k++)
		if (q->dims[k].dim == d->dim)
			return NULL;
	struct strbuf s;
	sb_init(&s);
	/* "~": has the item (a multi-valued dimension); "=": is the item. */
	sb_printf(&s, "%s%c", d->dim->name, d->dim->multi ? '~' : '=');
	if (column)
		sb_puts(&s, value ? value : "null");
	else if (d->nitems)
		sorted_items(d, ',', &s);
	else
		sb_putc(&s, '*'); /* a multi-valued column counts a row once per item */
	return s.data;
}

void query_join(const char **c, int n, struct strbuf *out)
{
	/* Sorted by insertion: a handful of constraints, once per cell of every table. */
	for (int i = 1; i < n; i++) {
		const char *x = c[i];
		int j = i;
		for (; j > 0 && strcmp(c[j - 1], x) > 0; j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
	sb_reset(out);
	for (int i = 0; i < n; i++) {
		if (i && strcmp(c[i], c[i - 1]) == 0)
			continue; /* the same constraint through a dimension and a filter */
		if (out->len)
			sb_putc(out, '&');
		sb_puts(out, c[i]);
	}
}

void query_cell_definition(const struct query *q, const char *const *values, int first, int last,
			   struct strbuf *out)
{
	char *c[QUERY_MAX_DIMS * 2 + 2];
	int n = 0;
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		int column = i < q->ndims && values; /* a column's value; else an item list */
		char *s = query_constraint(q, i, column, column ? values[i] : NULL, values != NULL);
		if (s)
			c[n++] = s;
	}
	struct strbuf y;
	sb_init(&y);
	query_years(q, values, first, last, &y);
	c[n++] = y.data;
	query_join((const char **)c, n, out);
	for (int i = 0; i < n; i++)
		free(c[i]);
}
