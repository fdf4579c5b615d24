/* An agency's approval of a year (see approval.h). */
#include "etl/ops/approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/audit_chain.h"
#include "common/clock.h"
#include "common/db.h"
#include "etl/load/linkage.h"

/* Seconds an approval waits for a load or an intake commit writing cases to end. */
#define APPROVAL_WAIT_S 5

/* The linkage lock, which every writer of cases holds while it writes (a load, an intake
 * commit, a withdrawal, a rekey): so that no change is in flight while the approval is
 * written. A change in flight, committed after the approval, would otherwise reopen
 * nothing: its trigger found no approval row to reopen when it ran. Tried for
 * APPROVAL_WAIT_S, then S3015. */
static int no_case_written(PGconn *conn, struct wq_error *e)
{
	const char *lock[] = {LINKAGE_LOCK_KEY};
	double until = clock_now() + APPROVAL_WAIT_S;
	for (;;) {
		PGresult *r =
		    db_exec(conn, e, "SELECT pg_try_advisory_xact_lock($1::bigint)", 1, lock);
		if (!r)
			return -1;
		int got = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		if (got)
			return 0;
		if (clock_now() >= until) {
			err_set(e, "S3015",
				"cases are being written (a load); the year was not approved");
			err_hint(e, "Approve again when the load ends.");
			return -1;
		}
		usleep(100000);
	}
}

int approval_set(PGconn *conn, const uint8_t *audit_key, const struct codelists *lists,
		 const char *agency, long year, const char *by, struct wq_error *e)
{
	const struct code_list *agencies = codelists_get(lists, "agencies");
	if (!agencies || codelist_index(agencies, agency) < 0) {
		err_set(e, "S3013", "the agency is not a code of list agencies");
		err_field(e, "agency");
		err_hint(e, "config/codelists/agencies.csv lists the agencies.");
		return -1;
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	if (year < 1900 || year > tm.tm_year + 1900) {
		err_set(e, "S3014", "a year to approve is from 1900 to this year");
		err_field(e, "year");
		return -1;
	}
	char y[16];
	snprintf(y, sizeof y, "%ld", year);
	const char *params[] = {agency, y, by};
	json_t *j = json_pack("{s:s,s:s,s:i,s:s}", "kind", "approval", "agency", agency, "year",
			      (int)year, "by", by);
	char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	int rc =
	    db_run(conn, e, "BEGIN", 0, NULL) < 0 || no_case_written(conn, e) < 0 ||
		    db_run(conn, e,
			   "INSERT INTO warehouse.approval (agency, year, approved_by) "
			   "VALUES ($1, $2::smallint, $3) ON CONFLICT (agency, year) DO UPDATE "
			   "SET approved_at = now(), approved_by = excluded.approved_by, "
			   "reopened_at = NULL",
			   3, params) < 0 ||
		    audit_append(conn, audit_key, "approval", body, e) < 0 ||
		    db_run(conn, e, "COMMIT", 0, NULL) < 0
		? -1
		: 0;
	if (rc < 0)
		PQclear(PQexec(conn, "ROLLBACK"));
	free(body);
	return rc;
}

json_t *approval_list(PGconn *conn, const char *agency, struct wq_error *e)
{
	const char *params[] = {agency};
	PGresult *r =
	    db_exec(conn, e,
		    "SELECT agency, year, to_char(approved_at AT TIME ZONE 'UTC', "
		    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(reopened_at AT TIME ZONE 'UTC', "
		    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM warehouse.approval "
		    "WHERE $1::text IS NULL OR agency = $1 ORDER BY agency, year",
		    1, params);
	if (!r)
		return NULL;
	json_t *out = json_array();
	for (int i = 0; i < PQntuples(r); i++) {
		int reopened = !PQgetisnull(r, i, 3);
		json_array_append_new(
		    out, json_pack("{s:s,s:i,s:s,s:s,s:o}", "agency", PQgetvalue(r, i, 0), "year",
				   atoi(PQgetvalue(r, i, 1)), "state",
				   reopened ? "reopened" : "approved", "approved_at",
				   PQgetvalue(r, i, 2), "reopened_at",
				   reopened ? json_string(PQgetvalue(r, i, 3)) : json_null()));
	}
	PQclear(r);
	return out;
}
