/* GET /api/v1/disclosure: every rule and parameter of disclosure control (the protection
 * depends on the keys' secrecy, never on the method's), the public tables, and the
 * caller's own budget. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "server/grammar.h"
#include "server/ledger.h"
#include "server/noise.h"
#include "server/period.h"
#include "server/public.h"
#include "server/routes.h"
#include "server/server.h"
#include "stats/disclosure.h"

/* The published product's calendar: it is measured once per period of release_days
 * (server/public.c), periods counted from 1970-01-01 UTC, so the dates are known ahead: the
 * current period's first day and the next RELEASES_AHEAD periods' (UTC dates). */
#define RELEASES_AHEAD 4
static json_t *release_calendar(const struct wq_config *cfg, time_t now)
{
	long long period = public_release_period(cfg, now);
	json_t *next = json_array();
	char day[16];
	for (int k = 1; k <= RELEASES_AHEAD; k++) {
		public_release_day(cfg, period + k, day);
		if (day[0])
			json_array_append_new(next, json_string(day));
	}
	public_release_day(cfg, period, day);
	return json_pack("{s:i,s:s,s:o}", "every_days", cfg->release_days, "current_since", day,
			 "next", next);
}

/* With official releases: the newest published release and the planned days after today
 * ([disclosure] release_calendar), in the calendar's shape (current_since, next). NULL on a
 * database failure. */
static json_t *release_official(const struct wq_config *cfg, PGconn *conn, time_t now)
{
	struct wq_error e;
	PGresult *r = db_exec(conn, &e,
			      "SELECT id, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
			      "FROM auth.release WHERE published_at IS NOT NULL ORDER BY id DESC "
			      "LIMIT 1",
			      0, NULL);
	if (!r)
		return NULL;
	char today[16];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	json_t *next = json_array();
	const char *p = cfg->release_calendar;
	while (p && *p) {
		p += strspn(p, " ,");
		size_t len = strcspn(p, " ,");
		char d[16];
		if (len == 10) {
			snprintf(d, sizeof d, "%.10s", p);
			if (strcmp(d, today) > 0)
				json_array_append_new(next, json_string(d));
		}
		p += len;
	}
	json_t *out = json_pack(
	    "{s:b,s:o,s:o,s:o}", "official", 1, "release_id",
	    PQntuples(r) ? json_integer(atoi(PQgetvalue(r, 0, 0))) : json_null(), "current_since",
	    PQntuples(r) ? json_string(PQgetvalue(r, 0, 1)) : json_null(), "next", next);
	PQclear(r);
	return out;
}

void disclosure_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const struct wq_config *cfg = srv->cfg;
	const struct principal *who = http_principal(req);
	struct wq_error e;
	double remaining = 0, budget = 0;
	PGconn *conn = http_db(req);
	if (!conn || ledger_remaining(conn, cfg, who, &remaining, &budget, &e) < 0) {
		http_db_reset();
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return;
	}
	/* The PRF as the key's recorded noise function (noise.h): read at start, or by the
	 * first answer when the database was down then. */
	int prf = __atomic_load_n(&srv->keys.noise_prf, __ATOMIC_ACQUIRE);
	char keyed[512];
	snprintf(keyed, sizeof keyed,
		 "%s under the server's key of (indicator, measure, canonical cell definition) "
		 "for the fixed part, and of %s the cell key (sum of the children's record keys "
		 "mod 2^32) for the fresh part",
		 prf == NOISE_PRF_BLAKE2B ? "a keyed BLAKE2b PRF"
		 : prf > 0		  ? "a SipHash-2-4 PRF"
					  : "the key's PRF (its noise function)",
		 prf == NOISE_PRF_BY_CHILDREN ? "the fact, the measure and (for an empty cell, the "
						"indicator and definition too)"
					      : "the same and");
	json_t *tables = json_array(), *sensitive = json_array();
	for (size_t i = 0; model_dimension_at(i); i++)
		if (grammar_is_sensitive(model_dimension_at(i)))
			json_array_append_new(sensitive, json_string(model_dimension_at(i)->name));
	for (size_t i = 0; i < srv->public.n; i++)
		json_array_append_new(tables, json_string(srv->public.text[i]));
	json_t *body = json_pack(
	    "{s:{s:s,s:f,s:f,s:f,s:s},s:{s:i,s:i,s:i,s:s},s:{s:{s:i,s:i,s:i},s:o,s:i},"
	    "s:{s:i,s:i,s:s,s:{s:f,s:f,s:f,s:f},s:s,s:s},s:o,s:{s:s,s:f,s:f},s:{s:I}}",
	    "noise", "mechanism",
	    "discrete Laplace (two-sided geometric), sticky: a fresh part of scale b and a fixed "
	    "part of scale fixed_b",
	    "scale_b", cfg->noise_scale, "fixed_scale_b", cfg->fixed_noise_scale, "variance",
	    dl_variance(cfg->noise_scale) +
		(cfg->fixed_noise_scale > 0 ? dl_variance(cfg->fixed_noise_scale) : 0),
	    "keyed_by", keyed, "suppression", "floor", cfg->floor, "floor_spread",
	    cfg->floor_spread, "threshold", cfg->threshold, "rule",
	    "a cell is null (suppressed) when its true count is below the floor raised by a "
	    "secret 0 to floor_spread of its own (keyed by its definition) or its noisy count "
	    "below the threshold, true zeros included; a rate or proportion when either part "
	    "is",
	    "grammar", "max_dimensions", "policy", cfg->max_dims_policy, "researcher",
	    cfg->max_dims_researcher, "admin", cfg->max_dims_policy, "sensitive", sensitive,
	    "sensitive_max_others", GRAMMAR_SENSITIVE_OTHERS, "budget", "window_days",
	    cfg->budget_days, "release_days", cfg->release_days, "privacy_unit",
	    "a child-year (a child in k years is protected at k times epsilon; docs/privacy.md)",
	    "per_token", "policy", cfg->budget_policy, "researcher", cfg->budget_researcher,
	    "admin", cfg->budget_admin, "public", cfg->budget_public, "cost",
	    "epsilon = L / b, charged only when the query releases a cell the token has not "
	    "seen; L = min(items, item cap) per multi-valued dimension x 2 for a proportion; "
	    "nothing for a dry run or an answer of the published product",
	    "exhausted", "429 with Retry-After", "public_tables", tables, "caller", "role",
	    role_name(who->role), "budget", budget, "budget_remaining", remaining, "audit",
	    "dropped_rows", (json_int_t)audit_dropped(srv->audit));
	json_t *release = cfg->official_releases ? release_official(cfg, conn, time(NULL))
						 : release_calendar(cfg, time(NULL));
	if (!release) {
		json_decref(body);
		http_db_reset();
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return;
	}
	json_object_set_new(body, "release", release);
	/* The period tokens are answered in (docs/privacy.md, "Periods"): what a researcher's
	 * answers read, and how long. */
	struct data_period per;
	struct wq_error pe;
	if (period_latest(conn, &per, &pe) < 0) {
		json_decref(body);
		http_db_reset();
		http_problem(resp, 503, "S2001", "database unavailable", NULL, NULL);
		resp->retry_after = 5;
		return;
	}
	json_object_set_new(
	    body, "period",
	    json_pack("{s:o,s:o,s:i,s:s}", "id", per.id ? json_integer(per.id) : json_null(),
		      "data_version", per.id ? json_integer(per.version) : json_null(),
		      "every_days", cfg->release_days, "rule",
		      "a token is answered from one data version a period, the one its period "
		      "started with; every cell is drawn and charged anew in each period"));
	http_json(resp, 200, body);
}
