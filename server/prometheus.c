/* GET /metrics: Prometheus text format. The core's request metrics (common/metrics.h),
 * then the server's own: whether the database answers, the data version and the latest
 * period (docs/privacy.md, "Periods"), the
 * column engine's state, the audit writer's counters (dropped rows must stay 0), and the
 * queries the privacy budget refused (config/prometheus/wiqaya-alerts.yml watches them). */
#include <stdlib.h>

#include "common/db.h"
#include "server/engine.h"
#include "server/populations.h"
#include "server/respond.h"
#include "server/routes.h"
#include "server/server.h"

void prometheus_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	struct wq_error e;
	struct strbuf sb;
	sb_init(&sb);
	http_metrics(req, "wiqaya", &sb);
	PGconn *conn = http_db(req);
	PGresult *r = conn ? db_exec(conn, &e,
				     "SELECT version, (SELECT max(id) FROM auth.period) FROM "
				     "analytics.data_version",
				     0, NULL)
			   : NULL;
	if (!r)
		http_db_reset();
	sb_printf(&sb,
		  "# HELP wiqaya_database_up Whether the analytics database answered this scrape.\n"
		  "# TYPE wiqaya_database_up gauge\nwiqaya_database_up %d\n",
		  r != NULL);
	if (r && PQntuples(r) == 1)
		sb_printf(&sb,
			  "# HELP wiqaya_data_version The analytics data version served.\n"
			  "# TYPE wiqaya_data_version gauge\nwiqaya_data_version %s\n"
			  "# HELP wiqaya_period The latest period tokens are answered in (0: "
			  "none yet; docs/privacy.md, \"Periods\").\n"
			  "# TYPE wiqaya_period gauge\nwiqaya_period %s\n",
			  PQgetvalue(r, 0, 0), PQgetisnull(r, 0, 1) ? "0" : PQgetvalue(r, 0, 1));
	PQclear(r);
	sb_printf(
	    &sb,
	    "# HELP wiqaya_audit_rows_written_total Query rows appended to the audit chain.\n"
	    "# TYPE wiqaya_audit_rows_written_total counter\n"
	    "wiqaya_audit_rows_written_total %lu\n"
	    "# HELP wiqaya_audit_rows_dropped_total Query rows lost to a full audit queue (must "
	    "stay 0).\n"
	    "# TYPE wiqaya_audit_rows_dropped_total counter\n"
	    "wiqaya_audit_rows_dropped_total %lu\n",
	    audit_written(srv->audit), audit_dropped(srv->audit));
	unsigned long d1001, d1002;
	respond_budget_refusals(&d1001, &d1002);
	sb_printf(&sb,
		  "# HELP wiqaya_budget_refusals_total Queries refused by a token's privacy "
		  "budget: exhausted (D1001) or costing more than the whole budget (D1002).\n"
		  "# TYPE wiqaya_budget_refusals_total counter\n"
		  "wiqaya_budget_refusals_total{code=\"D1001\"} %lu\n"
		  "wiqaya_budget_refusals_total{code=\"D1002\"} %lu\n",
		  d1001, d1002);
	unsigned long hits, misses;
	populations_counts(srv->protector.populations, &hits, &misses);
	sb_printf(&sb,
		  "# HELP wiqaya_population_lookups_total Rates' populations, by where they "
		  "came from: the memory of this data version's, or the database.\n"
		  "# TYPE wiqaya_population_lookups_total counter\n"
		  "wiqaya_population_lookups_total{from=\"memory\"} %lu\n"
		  "wiqaya_population_lookups_total{from=\"database\"} %lu\n",
		  hits, misses);
	unsigned long kept, summed;
	protect_product_counts(&kept, &summed);
	sb_printf(&sb,
		  "# HELP wiqaya_product_answers_total Answers of the published product, by "
		  "where they came from: kept from an earlier sum of this data version, or "
		  "summed from the release's table.\n"
		  "# TYPE wiqaya_product_answers_total counter\n"
		  "wiqaya_product_answers_total{from=\"memory\"} %lu\n"
		  "wiqaya_product_answers_total{from=\"sums\"} %lu\n",
		  kept, summed);
	struct engine_state st;
	engine_state(srv->protector.engine, &st);
	if (srv->protector.engine)
		sb_printf(
		    &sb,
		    "# HELP wiqaya_engine_version The data version the column engine holds "
		    "(0: none yet).\n"
		    "# TYPE wiqaya_engine_version gauge\nwiqaya_engine_version %lld\n"
		    "# HELP wiqaya_engine_period The period whose version it answers tokens "
		    "from (0: none).\n"
		    "# TYPE wiqaya_engine_period gauge\nwiqaya_engine_period %lld\n"
		    "# HELP wiqaya_engine_bytes The memory of the column engine's current "
		    "version.\n"
		    "# TYPE wiqaya_engine_bytes gauge\nwiqaya_engine_bytes %zu\n"
		    "# HELP wiqaya_engine_victim_years The victim-years it holds.\n"
		    "# TYPE wiqaya_engine_victim_years gauge\nwiqaya_engine_victim_years %zu\n"
		    "# HELP wiqaya_engine_load_seconds How long its last load took.\n"
		    "# TYPE wiqaya_engine_load_seconds gauge\nwiqaya_engine_load_seconds %.3f\n"
		    "# HELP wiqaya_engine_versions_held Versions in memory: the current one "
		    "and replaced ones an answer still reads.\n"
		    "# TYPE wiqaya_engine_versions_held gauge\nwiqaya_engine_versions_held %d\n"
		    "# HELP wiqaya_engine_answers_total Answers by where their cells came "
		    "from: the columns, or the SQL path while a version loads.\n"
		    "# TYPE wiqaya_engine_answers_total counter\n"
		    "wiqaya_engine_answers_total{path=\"columns\"} %lu\n"
		    "wiqaya_engine_answers_total{path=\"sql\"} %lu\n",
		    st.version, st.period, st.bytes, st.victim_years, st.load_seconds, st.held, st.answered,
		    st.missed);
	http_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", sb.data, sb.len);
	sb_free(&sb);
}
