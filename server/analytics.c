/* GET /api/v1/analytics: one indicator by any dimensions, as DHIS2-style headers, rows and
 * metaData, in JSON or CSV. Every number comes from the protection layer (protect.h):
 * noisy, suppressed, with noise-aware intervals, charged to the asker's budget. Without a
 * token only the public tables are answered (public.h). The handler reads as its steps:
 * parse, protect (or the public release), render, audit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "server/query.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/protect.h"

static json_t *cell(const struct dimension *d, const char *code)
{
	if (!code)
		return json_null();
	if (d->kind == DIM_YEAR)
		return json_integer(atoi(code));
	if (d->kind == DIM_BOOL)
		return strcmp(code, "true") == 0 ? json_true() : json_false();
	return json_string(code);
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
			http_query(req, "from"), http_query(req, "to"), QUERY_MAX_DIMS, &status,
			&e) < 0) {
		http_problem_error(resp, status, &e);
		return -1;
	}
	return 0;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *count_or_null(double v)
{
	return isfinite(v) ? json_integer((json_int_t)v) : json_null();
}

/* The answer as DHIS2-style JSON. */
static json_t *render(const struct server *srv, const struct query *q, const struct answer *a,
		      const char *role)
{
	json_t *headers = json_array(), *rows = json_array(), *items = json_object();
	for (int i = 0; i < q->ndims; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", q->dims[i].dim->name));
	for (size_t i = 0; i < sizeof measure_headers / sizeof measure_headers[0]; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", measure_headers[i]));
	for (size_t r = 0; r < a->n; r++) {
		const struct pcell *c = &a->cells[r];
		json_t *row = json_array();
		for (int i = 0; i < q->ndims; i++) {
			json_array_append_new(row, cell(q->dims[i].dim, c->values[i]));
			if (c->values[i])
				add_label(items, &srv->lists, q->dims[i].dim, c->values[i]);
		}
		json_array_append_new(row, num_or_null(c->value));
		json_array_append_new(row, num_or_null(c->lower));
		json_array_append_new(row, num_or_null(c->upper));
		json_array_append_new(row, count_or_null(c->num));
		json_array_append_new(row, count_or_null(c->den));
		json_array_append_new(row, json_string(c->status));
		json_array_append_new(rows, row);
	}
	const struct wq_config *cfg = srv->cfg;
	json_t *disclosure = json_pack(
	    "{s:b,s:s,s:I,s:f,s:f,s:f,s:i,s:f,s:i,s:i}", "applied", 1, "role", role, "suppressed",
	    (json_int_t)a->suppressed, "epsilon_charged", a->epsilon, "budget_remaining",
	    a->remaining, "budget", a->budget, "sensitivity", a->sensitivity, "noise_scale",
	    cfg->noise_scale, "floor", cfg->floor, "threshold", cfg->threshold);
	json_t *meta = json_pack("{s:o,s:I,s:o}", "items", items, "data_version",
				 (json_int_t)a->data_version, "disclosure", disclosure);
	if (q->ind->type == IND_PROPORTION)
		json_object_set_new(meta, "excluded_from_denominator", count_or_null(a->excluded));
	json_object_set_new(
	    meta, "method",
	    json_string(q->ind->type == IND_PROPORTION
			    ? "noisy counts (discrete Laplace); Wilson score interval (95%) "
			      "widened by the noise (docs/methods.md)"
			    : "noisy counts (discrete Laplace); exact Poisson interval (Garwood, "
			      "95%) widened by the noise (docs/methods.md)"));
	return json_pack("{s:{s:s,s:s,s:s,s:s,s:s},s:o,s:o,s:o}", "indicator", "id", q->ind->id,
			 "name", q->ind->name, "name_ar", q->ind->name_ar, "unit", q->ind->unit,
			 "type", ind_type_name(q->ind->type), "headers", headers, "rows", rows,
			 "metaData", meta);
}

static int wants_csv(struct http_request *req)
{
	const char *fmt = http_query(req, "format"), *accept = http_header(req, "Accept");
	if (fmt)
		return strcmp(fmt, "csv") == 0;
	return accept && strstr(accept, "text/csv") != NULL;
}

/* Sends body (JSON text) as JSON or CSV. */
static void send_body(struct http_request *req, const char *body, struct http_response *resp)
{
	if (!wants_csv(req)) {
		http_text(resp, 200, "application/json; charset=utf-8", body, strlen(body));
		return;
	}
	json_t *j = json_loads(body, 0, NULL);
	char *csv = to_csv(json_object_get(j, "headers"), json_object_get(j, "rows"));
	http_text(resp, 200, "text/csv; charset=utf-8; header=present", csv, strlen(csv));
	free(csv);
	json_decref(j);
}

static void refuse(struct http_response *resp, unsigned status, int retry_after,
		   const struct wq_error *e)
{
	if (status == 503) {
		log_error("%s: %s", e->code, e->message);
		http_db_reset();
		http_problem(resp, 503, "S2002", "the query could not be answered", NULL, NULL);
		resp->retry_after = 5;
		return;
	}
	http_problem_error(resp, status, e);
	resp->retry_after = retry_after;
}

/* Protects and renders q for who: the JSON text (malloc'd), or NULL with resp set. */
static char *answer(struct http_request *req, const struct server *srv, const struct query *q,
		    const struct principal *who, long long *version, size_t *cells, double *epsilon,
		    struct http_response *resp)
{
	struct answer a;
	struct wq_error e;
	unsigned status;
	int retry;
	PGconn *conn = http_db(req);
	if (!conn) {
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return NULL;
	}
	if (protect_answer(&srv->protector, conn, q, who, &a, &status, &retry, &e) < 0) {
		refuse(resp, status, retry, &e);
		return NULL;
	}
	json_t *j = render(srv, q, &a, role_name(who->role));
	char *body = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(j);
	*version = a.data_version;
	*cells = a.n;
	*epsilon = a.epsilon;
	answer_free(&a);
	return body;
}

/* Without a token: a listed table, released once per data version. */
static char *public_answer(struct http_request *req, const struct server *srv,
			   const struct query *q, const char *canonical, size_t *cells,
			   double *epsilon, struct http_response *resp)
{
	struct wq_error e;
	long long version = 0, found = 0;
	int failed = 0;
	PGconn *conn = http_db(req);
	if (!public_listed(&srv->public, canonical)) {
		http_problem(
		    resp, 401, "T1000", "this query needs a token",
		    "Without a token, only the published tables are answered.",
		    "GET /api/v1/disclosure lists them; send Authorization: Bearer wq_...");
		return NULL;
	}
	PGresult *v =
	    conn ? db_exec(conn, &e, "SELECT version FROM analytics.data_version", 0, NULL) : NULL;
	if (!v) {
		http_db_reset();
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return NULL;
	}
	version = atoll(PQgetvalue(v, 0, 0));
	PQclear(v);
	char *body = public_release_get(conn, canonical, version, &found, &failed);
	if (body || failed) {
		if (failed)
			http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		return body;
	}
	struct principal pub = {0, ROLE_PUBLIC, ""};
	struct http_response tmp = {0};
	body = answer(req, srv, q, &pub, &found, cells, epsilon, &tmp);
	if (body) {
		free(tmp.body);
		if (public_release_put(conn, canonical, found, body, &e) < 0)
			log_error("%s: %s", e.code, e.message);
		free(body);
		/* The stored release is the answer: the first of concurrent releases wins. */
		return public_release_get(conn, canonical, found, &found, &failed);
	}
	if (tmp.status == 429) {
		/* The public budget cannot pay for this version: the last release stands. */
		char *last = public_release_get(conn, canonical, 0, &found, &failed);
		if (last) {
			free(tmp.body);
			return last;
		}
	}
	*resp = tmp;
	return NULL;
}

void analytics_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	struct query q;
	struct strbuf canonical;
	size_t cells = 0;
	double epsilon = 0;
	long long version;
	if (parse(req, srv, &q, resp) < 0)
		return;
	sb_init(&canonical);
	query_canonical(&q, &canonical);
	char *body = who->role == ROLE_PUBLIC
			 ? public_answer(req, srv, &q, canonical.data, &cells, &epsilon, resp)
			 : answer(req, srv, &q, who, &version, &cells, &epsilon, resp);
	if (body)
		send_body(req, body, resp);
	audit_query(srv->audit, who->token_id, canonical.data, resp->status, cells, epsilon);
	free(body);
	sb_free(&canonical);
}
