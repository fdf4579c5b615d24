/* GET /api/v1/analytics: one indicator by any dimensions, as DHIS2-style headers, rows and
 * metaData, in JSON or CSV. Values and intervals come from stats/: exact Poisson for
 * counts and rates, Wilson for proportions. No disclosure control yet (the server listens
 * on loopback only until it exists: see server/main.c); the cell keys it will need are
 * computed with every cell and never sent. The handler reads as its steps: parse, fetch,
 * tabulate, render. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "server/query.h"
#include "server/routes.h"
#include "server/server.h"
#include "stats/poisson.h"
#include "stats/proportion.h"

#define MAX_PARAMS (QUERY_MAX_DIMS * 6 + 8)

static json_t *cell(const struct dimension *d, const char *text)
{
	if (d->kind == DIM_YEAR)
		return json_integer(atoi(text));
	if (d->kind == DIM_BOOL)
		return text[0] == 't' ? json_true() : json_false();
	return json_string(text);
}

/* metaData.items: labels of every item in the answer, keyed by dimension. */
static void add_label(json_t *items, const struct codelists *lists, const struct dimension *d,
		      const char *code)
{
	const struct code_list *l = d->list ? codelists_get(lists, d->list) : NULL;
	int i = l ? codelist_index(l, code) : -1;
	if (i < 0)
		return;
	json_t *dim = json_object_get(items, d->name);
	if (!dim) {
		dim = json_object();
		json_object_set_new(items, d->name, dim);
	}
	json_object_set_new(
	    dim, code,
	    json_pack("{s:s,s:s}", "name", l->items[i].label_en, "name_ar", l->items[i].label_ar));
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* Value, interval and status of one cell. */
static void measure(const struct indicator *ind, double num, double den, int has_den, json_t *row)
{
	struct wq_error e;
	double value = NAN, lo = NAN, hi = NAN;
	const char *status = "ok";
	if (ind->type == IND_COUNT) {
		value = num;
		st_poisson_limits(num, 0.95, RATE_EXACT, &lo, &hi, &e);
		if (num < 20)
			status = "unreliable";
	} else if (ind->type == IND_RATE) {
		if (!has_den || !(den > 0)) {
			status = "no_denominator";
		} else if (st_poisson_limits(num, 0.95, RATE_EXACT, &lo, &hi, &e) == 0) {
			value = num / den * ind->per;
			lo = lo / den * ind->per;
			hi = hi / den * ind->per;
			if (num < 20)
				status = "unreliable";
		}
	} else {
		struct interval ci;
		if (den > 0 && st_proportion(num, den, 0.95, PROP_WILSON, &ci, &e) == 0) {
			value = ci.estimate;
			lo = ci.lower;
			hi = ci.upper;
			/* NCHS-style: small denominators or wide intervals are unreliable. */
			if (den < 30 || hi - lo >= 0.30)
				status = "unreliable";
		} else {
			status = "no_denominator";
		}
	}
	json_array_append_new(row, num_or_null(value));
	json_array_append_new(row, num_or_null(lo));
	json_array_append_new(row, num_or_null(hi));
	json_array_append_new(row, json_integer((json_int_t)num));
	json_array_append_new(row, has_den ? json_integer((json_int_t)den) : json_null());
	json_array_append_new(row, json_string(status));
}

static const char *const measure_headers[] = {"value",	   "lower",	  "upper",
					      "numerator", "denominator", "cell_status"};

/* The same table as CSV (RFC 4180; codes and numbers need no quoting). */
static char *to_csv(json_t *headers, json_t *rows)
{
	struct strbuf sb;
	size_t i, j;
	json_t *h, *row, *v;
	sb_init(&sb);
	json_array_foreach (headers, i, h)
		sb_printf(&sb, "%s%s", i ? "," : "", json_string_value(json_object_get(h, "name")));
	sb_puts(&sb, "\r\n");
	json_array_foreach (rows, i, row) {
		json_array_foreach (row, j, v) {
			if (j)
				sb_putc(&sb, ',');
			if (json_is_string(v))
				sb_puts(&sb, json_string_value(v));
			else if (json_is_integer(v))
				sb_printf(&sb, "%lld", (long long)json_integer_value(v));
			else if (json_is_real(v))
				sb_printf(&sb, "%.17g", json_real_value(v));
			else if (json_is_boolean(v))
				sb_puts(&sb, json_is_true(v) ? "true" : "false");
		}
		sb_puts(&sb, "\r\n");
	}
	return sb.data;
}

/* The query of the request (indicator, dimensions, filters, period), validated. */
static int parse(struct http_request *req, const struct server *srv, struct query *q,
		 struct http_response *resp)
{
	const char *dims[QUERY_MAX_DIMS + 1], *filters[QUERY_MAX_DIMS + 1];
	struct wq_error e;
	unsigned status;
	int ndims = http_query_all(req, "dimension", dims, QUERY_MAX_DIMS + 1);
	int nfilters = http_query_all(req, "filter", filters, QUERY_MAX_DIMS + 1);
	const char *fmt = http_query(req, "format");
	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0) {
		http_problem_param(resp, "Q1010", "unsupported format", "format",
				   "one of json, csv");
		return -1;
	}
	if (query_parse(q, &srv->indicators, &srv->lists, http_query(req, "indicator"), dims,
			ndims > QUERY_MAX_DIMS + 1 ? QUERY_MAX_DIMS + 1 : ndims, filters,
			nfilters > QUERY_MAX_DIMS + 1 ? QUERY_MAX_DIMS + 1 : nfilters,
			http_query(req, "from"), http_query(req, "to"),
			srv->cfg->max_dims_researcher, &status, &e) < 0) {
		http_problem_error(resp, status, &e);
		return -1;
	}
	return 0;
}

/* Runs the query's SQL and reads the data version in one snapshot. */
static int fetch(struct http_request *req, const struct query *q, PGresult **res, PGresult **ver,
		 struct http_response *resp)
{
	char *params[MAX_PARAMS];
	int nparams = 0;
	struct strbuf sql;
	struct wq_error e;
	PGconn *conn = http_db(req);
	if (!conn) {
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return -1;
	}
	sb_init(&sql);
	query_sql(q, &sql, params, &nparams);
	*res = *ver = NULL;
	if (db_run(conn, &e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) == 0) {
		*res = db_exec(conn, &e, sql.data, nparams, (const char *const *)params);
		*ver =
		    *res ? db_exec(conn, &e, "SELECT version FROM analytics.data_version", 0, NULL)
			 : NULL;
		PQclear(PQexec(conn, *res && *ver ? "COMMIT" : "ROLLBACK"));
	}
	sb_free(&sql);
	query_params_free(params, nparams);
	if (*res && *ver)
		return 0;
	log_error("%s: %s", e.code, e.message);
	PQclear(*res);
	PQclear(*ver);
	if (PQstatus(conn) != CONNECTION_OK)
		http_db_reset();
	http_problem(resp, 503, "S2002", "the query could not be answered", NULL, NULL);
	resp->retry_after = 5;
	return -1;
}

/* The answer's table: headers, rows (each cell's value, interval and status), the labels
 * of the items seen, and the rows a proportion's denominator excluded. */
struct table {
	json_t *headers, *rows, *items;
	long long excluded;
};

static void tabulate(const struct server *srv, const struct query *q, PGresult *res,
		     struct table *t)
{
	t->headers = json_array();
	t->rows = json_array();
	t->items = json_object();
	t->excluded = 0;
	for (int i = 0; i < q->ndims; i++)
		json_array_append_new(t->headers, json_pack("{s:s}", "name", q->dims[i].dim->name));
	for (size_t i = 0; i < sizeof measure_headers / sizeof measure_headers[0]; i++)
		json_array_append_new(t->headers, json_pack("{s:s}", "name", measure_headers[i]));
	for (int r = 0; r < PQntuples(res); r++) {
		json_t *row = json_array();
		for (int i = 0; i < q->ndims; i++) {
			const char *v = PQgetvalue(res, r, i);
			if (PQgetisnull(res, r, i)) {
				json_array_append_new(row, json_null());
				continue;
			}
			json_array_append_new(row, cell(q->dims[i].dim, v));
			add_label(t->items, &srv->lists, q->dims[i].dim, v);
		}
		double num = atof(PQgetvalue(res, r, q->ndims));
		int has_den = !PQgetisnull(res, r, q->ndims + 1);
		double den = has_den ? atof(PQgetvalue(res, r, q->ndims + 1)) : NAN;
		t->excluded += atoll(PQgetvalue(res, r, q->ndims + 3));
		/* A cell with nothing to count (every row outside the numerator of a count, or
		 * outside the denominator of a proportion) is not a cell of the answer. */
		if ((q->ind->type == IND_COUNT && num == 0) ||
		    (q->ind->type == IND_PROPORTION && !(den > 0))) {
			json_decref(row);
			continue;
		}
		measure(q->ind, num, den, has_den || q->ind->type == IND_PROPORTION, row);
		json_array_append_new(t->rows, row);
	}
}

static int wants_csv(struct http_request *req)
{
	const char *fmt = http_query(req, "format"), *accept = http_header(req, "Accept");
	if (fmt)
		return strcmp(fmt, "csv") == 0;
	return accept && strstr(accept, "text/csv") != NULL;
}

static void render_json(const struct query *q, struct table *t, long long version,
			struct http_response *resp)
{
	json_t *meta =
	    json_pack("{s:o,s:I,s:{s:b,s:s}}", "items", t->items, "data_version",
		      (json_int_t)version, "disclosure", "applied", 0, "note",
		      "internal counts: served on loopback only until disclosure control "
		      "is in place");
	if (q->ind->type == IND_PROPORTION)
		json_object_set_new(meta, "excluded_from_denominator", json_integer(t->excluded));
	json_object_set_new(meta, "method",
			    json_string(q->ind->type == IND_PROPORTION
					    ? "Wilson score interval (95%)"
					    : "exact Poisson interval (Garwood, 95%)"));
	json_t *body = json_pack("{s:{s:s,s:s,s:s,s:s,s:s},s:o,s:o,s:o}", "indicator", "id",
				 q->ind->id, "name", q->ind->name, "name_ar", q->ind->name_ar,
				 "unit", q->ind->unit, "type", ind_type_name(q->ind->type),
				 "headers", t->headers, "rows", t->rows, "metaData", meta);
	http_json(resp, 200, body);
}

void analytics_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	struct query q;
	PGresult *res, *ver;
	struct table t;
	if (parse(req, srv, &q, resp) < 0 || fetch(req, &q, &res, &ver, resp) < 0)
		return;
	tabulate(srv, &q, res, &t);
	long long version = atoll(PQgetvalue(ver, 0, 0));
	PQclear(res);
	PQclear(ver);
	if (wants_csv(req)) {
		char *csv = to_csv(t.headers, t.rows);
		http_text(resp, 200, "text/csv; charset=utf-8; header=present", csv, strlen(csv));
		free(csv);
		json_decref(t.headers);
		json_decref(t.rows);
		json_decref(t.items);
		return;
	}
	render_json(&q, &t, version, resp);
}
