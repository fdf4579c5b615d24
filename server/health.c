/* GET /healthz: the database is reachable, which data version it serves, and the audit
 * writer's counters. */
#include <stdlib.h>

#include "common/db.h"
#include "server/routes.h"
#include "server/server.h"

void health_get(struct http_request *req, struct http_response *resp)
{
	struct wq_error e;
	PGconn *conn = http_db(req);
	PGresult *res =
	    conn ? db_exec(conn, &e, "SELECT version FROM analytics.data_version", 0, NULL) : NULL;
	if (!res) {
		http_db_reset();
		http_problem(resp, 503, "S2001", "database unavailable",
			     "The analytics database cannot be reached.", NULL);
		resp->retry_after = 5;
		return;
	}
	long long version = PQntuples(res) ? atoll(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	const struct server *srv = http_app(req);
	/* audit_dropped must stay 0: a dropped row is a query the audit does not hold. */
	http_json(resp, 200,
		  json_pack("{s:s,s:s,s:I,s:{s:I,s:I}}", "status", "ok", "database", "ok",
			    "data_version", (json_int_t)version, "audit", "written",
			    (json_int_t)audit_written(srv->audit), "dropped",
			    (json_int_t)audit_dropped(srv->audit)));
}
