/* GET /healthz: the database is reachable and which data version it serves. */
#include <stdlib.h>

#include "common/db.h"
#include "server/routes.h"

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
	http_json(resp, 200,
		  json_pack("{s:s,s:s,s:I}", "status", "ok", "database", "ok", "data_version",
			    (json_int_t)version));
}
