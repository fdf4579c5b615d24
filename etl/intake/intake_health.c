/* GET /healthz and GET /metrics of the intake: the database answers, the storage-key
 * version the requests hash under, the refresh queue (how many changes wait for the
 * analytics, and for how long: the freshness promise of [intake] refresh_delay) and the
 * spool (submissions answered while a load ran, waiting to be linked). */
#include <stdlib.h>

#include "common/db.h"
#include "etl/intake/intake.h"

/* The queue's length and the age of its oldest change (seconds); NULL when unreachable. */
static PGresult *queue_state(struct http_request *req)
{
	struct wq_error e;
	PGconn *conn = http_db(req);
	PGresult *r = conn ? db_exec(conn, &e,
				     "SELECT count(*), coalesce(extract(epoch FROM now() - "
				     "min(queued_at)), 0), (SELECT count(*) FROM "
				     "warehouse.intake_spool), (SELECT coalesce(extract(epoch FROM "
				     "now() - min(spooled_at)), 0) FROM warehouse.intake_spool) "
				     "FROM warehouse.refresh_queue",
				     0, NULL)
			   : NULL;
	if (!r)
		http_db_reset();
	return r;
}

void intake_health_get(struct http_request *req, struct http_response *resp)
{
	struct intake *in = http_app(req);
	PGresult *r = queue_state(req);
	if (!r) {
		http_problem(resp, 503, "S2001", "database unavailable",
			     "The warehouse cannot be reached.", NULL);
		resp->retry_after = 5;
		return;
	}
	http_json(resp, 200,
		  json_pack("{s:s,s:s,s:i,s:{s:I,s:I,s:i},s:{s:I,s:I}}", "status", "ok", "database",
			    "ok", "key_version", committer_key_version(in->committer), "refresh",
			    "queued", (json_int_t)atoll(PQgetvalue(r, 0, 0)), "oldest_seconds",
			    (json_int_t)(atof(PQgetvalue(r, 0, 1)) + 0.5), "delay_seconds",
			    in->cfg->refresh_delay, "spool", "submissions",
			    (json_int_t)atoll(PQgetvalue(r, 0, 2)), "oldest_seconds",
			    (json_int_t)(atof(PQgetvalue(r, 0, 3)) + 0.5)));
	PQclear(r);
}

void intake_metrics_get(struct http_request *req, struct http_response *resp)
{
	struct strbuf sb;
	sb_init(&sb);
	http_metrics(req, "wiqaya_intake", &sb);
	PGresult *r = queue_state(req);
	sb_printf(&sb,
		  "# HELP wiqaya_intake_database_up Whether the warehouse answered this scrape.\n"
		  "# TYPE wiqaya_intake_database_up gauge\nwiqaya_intake_database_up %d\n",
		  r != NULL);
	if (r)
		sb_printf(&sb,
			  "# HELP wiqaya_intake_refresh_queued Changes waiting for the analytics.\n"
			  "# TYPE wiqaya_intake_refresh_queued gauge\n"
			  "wiqaya_intake_refresh_queued %s\n"
			  "# HELP wiqaya_intake_refresh_oldest_seconds Age of the oldest change "
			  "waiting for the analytics.\n"
			  "# TYPE wiqaya_intake_refresh_oldest_seconds gauge\n"
			  "wiqaya_intake_refresh_oldest_seconds %s\n"
			  "# HELP wiqaya_intake_spooled Submissions answered while a load ran, "
			  "waiting to be linked.\n"
			  "# TYPE wiqaya_intake_spooled gauge\nwiqaya_intake_spooled %s\n"
			  "# HELP wiqaya_intake_spool_oldest_seconds Age of the oldest "
			  "submission waiting to be linked.\n"
			  "# TYPE wiqaya_intake_spool_oldest_seconds gauge\n"
			  "wiqaya_intake_spool_oldest_seconds %s\n",
			  PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
			  PQgetvalue(r, 0, 3));
	PQclear(r);
	http_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", sb.data, sb.len);
	sb_free(&sb);
}
