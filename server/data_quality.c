/* GET /api/v1/data-quality: the national summary of the agencies' data quality over the
 * last twelve months of reports (analytics.quality_summary(): the agencies that reported,
 * those with a month without a case, the median delays from the abuse to the report and
 * from the report to its submission, the share of submitted records rejected), for
 * everyone: the dashboard's methods page says with it how far the numbers can be read as
 * what happened. Aggregates over agencies and thousands of cases, never a count of
 * children (each agency's own report is the intake's, for its submitter). Kept per data
 * version: a page load costs no aggregate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "server/cache.h"
#include "server/respond.h"
#include "server/routes.h"

static json_t *number(const PGresult *r, int col)
{
	return PQgetisnull(r, 0, col) ? json_null() : json_real(atof(PQgetvalue(r, 0, col)));
}

void data_quality_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	struct wq_error e;
	PGconn *conn = http_db(req);
	PGresult *v =
	    conn ? db_exec(conn, &e, "SELECT version FROM analytics.data_version", 0, NULL) : NULL;
	if (!v) {
		http_db_reset();
		http_problem(resp, 503, "S2001", "database unavailable",
			     "The analytics database cannot be reached.", NULL);
		resp->retry_after = 5;
		return;
	}
	long long version = PQntuples(v) ? atoll(PQgetvalue(v, 0, 0)) : 0;
	PQclear(v);
	size_t len;
	char *kept = srv->protector.cache
			 ? cache_get(srv->protector.cache, "data-quality", version, &len)
			 : NULL;
	if (kept) {
		http_text(resp, 200, "application/json; charset=utf-8", kept, len);
		free(kept);
		return;
	}
	PGresult *r = db_exec(conn, &e, "SELECT * FROM analytics.quality_summary()", 0, NULL);
	if (!r) {
		http_db_reset();
		http_problem(resp, 503, "S2002", "the summary could not be read", NULL, NULL);
		resp->retry_after = 5;
		return;
	}
	json_t *doc;
	if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0)) {
		doc = json_pack("{s:I,s:n}", "data_version", (json_int_t)version, "summary");
	} else {
		doc = json_pack(
		    "{s:I,s:{s:s,s:s,s:I,s:I,s:o,s:o,s:o}}", "data_version", (json_int_t)version,
		    "summary", "since", PQgetvalue(r, 0, 0), "until", PQgetvalue(r, 0, 1),
		    "agencies", (json_int_t)atoll(PQgetvalue(r, 0, 2)), "agencies_with_gaps",
		    (json_int_t)atoll(PQgetvalue(r, 0, 3)), "median_months_abuse_to_report",
		    number(r, 4), "median_months_report_to_submission", number(r, 5),
		    "rejected_share", number(r, 6));
	}
	PQclear(r);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (srv->protector.cache)
		cache_put(srv->protector.cache, "data-quality", version, text, strlen(text));
	http_text(resp, 200, "application/json; charset=utf-8", text, strlen(text));
	free(text);
}
