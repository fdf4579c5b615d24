/* GET /api/v1/analytics: one indicator by any dimensions, as DHIS2-style headers, rows and
 * metaData. This first version serves internal counts (no disclosure control yet, so the
 * server listens on loopback only: see http_start). */
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "server/query.h"
#include "server/routes.h"

#define MAX_PARAMS (QUERY_MAX_DIMS * 2 + 2)

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

void analytics_get(struct http_req *req, struct http_resp *resp)
{
	const char *dims[QUERY_MAX_DIMS + 1], *filters[QUERY_MAX_DIMS + 1];
	struct query q;
	struct wq_error e;
	unsigned status;
	char *params[MAX_PARAMS];
	int nparams = 0;
	struct strbuf sql;

	int ndims = http_query_all(req, "dimension", dims, QUERY_MAX_DIMS + 1);
	int nfilters = http_query_all(req, "filter", filters, QUERY_MAX_DIMS + 1);
	if (query_parse(&q, &req->srv->lists, http_query(req, "indicator"), dims,
			ndims > QUERY_MAX_DIMS + 1 ? QUERY_MAX_DIMS + 1 : ndims, filters,
			nfilters > QUERY_MAX_DIMS + 1 ? QUERY_MAX_DIMS + 1 : nfilters,
			http_query(req, "from"), http_query(req, "to"),
			req->srv->cfg->max_dims_researcher, &status, &e) < 0) {
		http_problem(resp, status, e.code, e.message, e.detail[0] ? e.detail : NULL,
			     e.hint[0] ? e.hint : NULL);
		return;
	}

	PGconn *conn = http_db(req);
	if (!conn) {
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return;
	}
	sb_init(&sql);
	query_sql(&q, &sql, params, &nparams);
	/* One snapshot for the counts and the data version they belong to. */
	PGresult *res = NULL, *ver = NULL;
	if (db_run(conn, &e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) == 0) {
		res = db_exec(conn, &e, sql.data, nparams, (const char *const *)params);
		ver = res ? db_exec(conn, &e, "SELECT version FROM analytics.data_version", 0, NULL)
			  : NULL;
		PQclear(PQexec(conn, res && ver ? "COMMIT" : "ROLLBACK"));
	}
	sb_free(&sql);
	query_params_free(params, nparams);
	if (!res || !ver) {
		log_error("%s: %s", e.code, e.message);
		PQclear(res);
		PQclear(ver);
		if (PQstatus(conn) != CONNECTION_OK)
			http_db_reset();
		http_problem(resp, 503, "S2002", "the query could not be answered", NULL, NULL);
		resp->retry_after = 5;
		return;
	}

	json_t *headers = json_array(), *rows = json_array(), *items = json_object();
	for (int i = 0; i < q.ndims; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", q.dims[i].dim->name));
	json_array_append_new(headers, json_pack("{s:s}", "name", "value"));
	json_array_append_new(headers, json_pack("{s:s}", "name", "cell_status"));
	for (int r = 0; r < PQntuples(res); r++) {
		json_t *row = json_array();
		for (int i = 0; i < q.ndims; i++) {
			const char *v = PQgetvalue(res, r, i);
			if (PQgetisnull(res, r, i)) {
				json_array_append_new(row, json_null());
				continue;
			}
			json_array_append_new(row, cell(q.dims[i].dim, v));
			add_label(items, &req->srv->lists, q.dims[i].dim, v);
		}
		json_array_append_new(row, json_integer(atoll(PQgetvalue(res, r, q.ndims))));
		json_array_append_new(row, json_string("ok"));
		json_array_append_new(rows, row);
	}
	json_t *body = json_pack(
	    "{s:{s:s,s:s,s:s,s:s,s:s},s:o,s:o,s:{s:o,s:I,s:{s:b,s:s}}}", "indicator", "id",
	    q.indicator->id, "name", q.indicator->name_en, "name_ar", q.indicator->name_ar, "unit",
	    q.indicator->unit, "type", q.indicator->type, "headers", headers, "rows", rows,
	    "metaData", "items", items, "data_version", (json_int_t)atoll(PQgetvalue(ver, 0, 0)),
	    "disclosure", "applied", 0, "note",
	    "internal counts: served on loopback only until disclosure control is in place");
	PQclear(res);
	PQclear(ver);
	http_json(resp, 200, body);
}
