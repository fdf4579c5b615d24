/* Periods (see period.h). */
#include "server/period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/log.h"
#include "server/public.h"

int period_is_current(const struct data_period *p, const struct wq_config *cfg)
{
	/* (At least: a server whose clock is behind another's takes the other's turn.) */
	return p->id > 0 && p->calendar >= (int)public_release_period(cfg, time(NULL));
}

int period_latest(PGconn *conn, struct data_period *out, struct wq_error *e)
{
	memset(out, 0, sizeof *out);
	PGresult *r = db_exec(conn, e,
			      "SELECT id, data_version, calendar FROM auth.period "
			      "ORDER BY id DESC LIMIT 1",
			      0, NULL);
	if (!r)
		return -1;
	if (PQntuples(r) == 1)
		*out = (struct data_period){atoll(PQgetvalue(r, 0, 0)), atoll(PQgetvalue(r, 0, 1)),
					    atoi(PQgetvalue(r, 0, 2))};
	PQclear(r);
	return 0;
}

int period_start(PGconn *conn, struct version_watch *w, const struct wq_config *cfg,
		 long long after, long long version, const char *reason, struct data_period *out,
		 struct wq_error *e)
{
	char id[24], ver[24], cal[16];
	snprintf(id, sizeof id, "%lld", after + 1);
	snprintf(ver, sizeof ver, "%lld", version);
	snprintf(cal, sizeof cal, "%lld", public_release_period(cfg, time(NULL)));
	const char *params[] = {id, ver, cal, reason};
	/* The id after the latest this server knows: a server that knew less loses, and
	 * takes the winner's (the primary key decides between two at once). A calendar's
	 * period starts only if none of this turn or a later one exists: a server whose clock
	 * is ahead starts the turn early, once, and the others take it. */
	PGresult *r = db_exec(conn, e,
			      "INSERT INTO auth.period (id, data_version, calendar, reason) "
			      "SELECT $1::bigint, CASE WHEN $2::bigint > 0 THEN $2::bigint "
			      "ELSE version END, $3::integer, $4 FROM analytics.data_version "
			      "WHERE $4 <> 'calendar' OR NOT EXISTS (SELECT 1 FROM auth.period "
			      "WHERE calendar >= $3::integer) "
			      "ON CONFLICT (id) DO NOTHING RETURNING id",
			      4, params);
	if (!r)
		return -1;
	int started = PQntuples(r) == 1;
	PQclear(r);
	if (period_latest(conn, out, e) < 0)
		return -1;
	if (started)
		log_info("period %lld started at data version %lld (%s)", out->id, out->version,
			 reason);
	version_watch_period_seen(w, out);
	return started;
}
