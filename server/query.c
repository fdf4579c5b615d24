/* Query parsing, validation and SQL generation (see query.h). */
#include "server/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static const struct dimension dimensions[] = {
    {"year", "v.year", NULL, DIM_YEAR, NULL},
    {"region", "v.region", "regions", DIM_CODE, NULL},
    {"sex", "v.sex", "sex", DIM_CODE, NULL},
    {"age_band", "v.age_band", "age_band", DIM_CODE, NULL},
    {"gender_identity", "v.gender_identity", "gender_identity", DIM_CODE, NULL},
    {"sexual_orientation", "v.sexual_orientation", "sexual_orientation", DIM_CODE, NULL},
    {"ethnicity", "v.ethnicity", "ethnicities", DIM_CODE, NULL},
    {"disability", "v.disability", "disability", DIM_CODE, NULL},
    {"migrant_status", "v.migrant_status", "migrant_status", DIM_CODE, NULL},
    {"economic_status", "v.economic_status", "economic_status", DIM_CODE, NULL},
    {"education_status", "v.education_status", "education_status", DIM_CODE, NULL},
    {"relationship", "v.relationship", "relationship", DIM_CODE, NULL},
    {"offence", "u_offence", "offences", DIM_CODE, "v.offences"},
    {"technology", "u_technology", "technology", DIM_CODE, "v.technology"},
    {"detection", "v.detection", "detection", DIM_CODE, NULL},
    {"financial", "v.financial", NULL, DIM_BOOL, NULL},
    {"status", "v.status", "status", DIM_CODE, NULL},
    {"agency", "v.agency", "agencies", DIM_CODE, NULL},
};

static const struct indicator indicators[] = {
    {"victims", "Child victims", "الأطفال الضحايا", "victim-years", "count"},
};

const struct dimension *query_dimension(const char *name)
{
	for (size_t i = 0; i < sizeof dimensions / sizeof dimensions[0]; i++)
		if (strcmp(dimensions[i].name, name) == 0)
			return &dimensions[i];
	return NULL;
}

const struct indicator *query_indicator(const char *id)
{
	for (size_t i = 0; i < sizeof indicators / sizeof indicators[0]; i++)
		if (strcmp(indicators[i].id, id) == 0)
			return &indicators[i];
	return NULL;
}

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
static int parse_dim(struct query_dim *d, const struct codelists *lists, const char *spec,
		     int is_filter, unsigned *status, struct wq_error *e)
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
	d->dim = query_dimension(name);
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
		char item[96];
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
		char year[8];
		if (d->dim->kind == DIM_YEAR && parse_year(item, &y) == 0) {
			snprintf(year, sizeof year, "%d", y);
			canonical = year;
		} else if (d->dim->kind == DIM_BOOL && strcmp(item, "true") == 0)
			canonical = "true";
		else if (d->dim->kind == DIM_BOOL && strcmp(item, "false") == 0)
			canonical = "false";
		else if (list) {
			int i = codelist_index(list, item);
			canonical = i >= 0 ? list->items[i].code : NULL;
		}
		if (!canonical) {
			err_set(e, "Q1003", "not an item of dimension \"%s\"", d->dim->name);
			err_hint(e, "GET /api/v1/dimensions/%s lists its items.", d->dim->name);
			return fail(status, 409);
		}
		snprintf(d->items[d->nitems++], sizeof d->items[0], "%s", canonical);
		p += len + (semi ? 1 : 0);
	}
	return 0;
}

int query_parse(struct query *q, const struct codelists *lists, const char *indicator,
		const char *const *dims, int ndims, const char *const *filters, int nfilters,
		const char *from, const char *to, int max_dims, unsigned *status,
		struct wq_error *e)
{
	memset(q, 0, sizeof *q);
	if (!indicator) {
		err_set(e, "Q1006", "the parameter \"indicator\" is required");
		err_hint(e, "GET /api/v1/indicators lists them.");
		return fail(status, 400);
	}
	q->indicator = query_indicator(indicator);
	if (!q->indicator) {
		err_set(e, "Q1001", "unknown indicator");
		err_hint(e, "GET /api/v1/indicators lists them.");
		return fail(status, 400);
	}
	if (ndims > max_dims) {
		err_set(e, "Q1005", "too many dimensions: at most %d", max_dims);
		return fail(status, 409);
	}
	if (nfilters > QUERY_MAX_DIMS) {
		err_set(e, "Q1005", "too many filters: at most %d", QUERY_MAX_DIMS);
		return fail(status, 409);
	}
	for (int i = 0; i < ndims; i++) {
		if (parse_dim(&q->dims[q->ndims], lists, dims[i], 0, status, e) < 0)
			return -1;
		for (int k = 0; k < q->ndims; k++)
			if (q->dims[k].dim == q->dims[q->ndims].dim) {
				err_set(e, "Q1008", "dimension \"%s\" is given twice",
					q->dims[k].dim->name);
				return fail(status, 409);
			}
		q->ndims++;
	}
	for (int i = 0; i < nfilters; i++) {
		if (parse_dim(&q->dims[q->ndims + q->nfilters], lists, filters[i], 1, status, e) <
		    0)
			return -1;
		q->nfilters++;
	}
	if (from && parse_year(from, &q->from_year) < 0) {
		err_set(e, "Q1009", "\"from\" must be a year");
		return fail(status, 400);
	}
	if (to && parse_year(to, &q->to_year) < 0) {
		err_set(e, "Q1009", "\"to\" must be a year");
		return fail(status, 400);
	}
	return 0;
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

void query_sql(const struct query *q, struct strbuf *sql, char **params, int *nparams)
{
	int np = 0;
	sb_reset(sql);
	sb_puts(sql, "SELECT ");
	for (int i = 0; i < q->ndims; i++)
		sb_printf(sql, "%s, ", q->dims[i].dim->column);
	sb_puts(sql, "count(*) FROM analytics.victim_year v");
	/* Multi-valued dimensions count a child once per item: one unnest each. */
	for (int i = 0; i < q->ndims; i++)
		if (q->dims[i].dim->unnest)
			sb_printf(sql, " CROSS JOIN LATERAL unnest(%s) AS %s",
				  q->dims[i].dim->unnest, q->dims[i].dim->column);
	sb_puts(sql, " WHERE true");
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		const struct query_dim *d = &q->dims[i];
		if (d->nitems == 0)
			continue;
		params[np++] = items_array(d);
		if (d->dim->unnest && d->is_filter)
			sb_printf(sql, " AND %s && $%d::text[]", d->dim->unnest, np);
		else
			sb_printf(sql, " AND %s = ANY($%d::%s)", d->dim->column, np,
				  array_type(d->dim->kind));
	}
	if (q->from_year) {
		params[np++] = xasprintf("%d", q->from_year);
		sb_printf(sql, " AND v.year >= $%d::int", np);
	}
	if (q->to_year) {
		params[np++] = xasprintf("%d", q->to_year);
		sb_printf(sql, " AND v.year <= $%d::int", np);
	}
	if (q->ndims) {
		sb_puts(sql, " GROUP BY ");
		for (int i = 0; i < q->ndims; i++)
			sb_printf(sql, "%s%d", i ? ", " : "", i + 1);
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
