/* An agency's approval of a year (see approval.h). */
#include "etl/ops/approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/audit_chain.h"
#include "common/db.h"
#include "etl/load/linkage.h"

/* How long the command line's approval waits for a writer of cases (an interval). */
#define APPROVAL_WAIT "5s"

/* The linkage lock, which every writer of cases holds while it writes (a load, an intake
 * commit, a withdrawal, a rekey): so that no change is in flight while the approval is
 * written. A change in flight, committed after the approval, would otherwise reopen
 * nothing: its trigger found no approval row to reopen when it ran. Waited for in
 * PostgreSQL's queue up to APPROVAL_WAIT (wait: the command line), or only tried (the
 * intake, whose request threads are few); S3015 while a writer holds it. */
static int no_case_written(PGconn *conn, int wait, struct wq_error *e)
{
	const char *lock[] = {LINKAGE_LOCK_KEY};
	if (wait && db_run(conn, e, "SET LOCAL lock_timeout = '" APPROVAL_WAIT "'", 0, NULL) < 0)
		return -1;
	PGresult *r = PQexecParams(conn,
				   wait ? "SELECT pg_advisory_xact_lock($1::bigint), true"
					: "SELECT pg_try_advisory_xact_lock($1::bigint)",
				   1, NULL, lock, NULL, NULL, 0);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	int timed_out = state && strcmp(state, "55P03") == 0; /* lock_not_available */
	if (PQresultStatus(r) != PGRES_TUPLES_OK && !timed_out) {
		db_error(conn, r, "S2002", e);
		PQclear(r);
		return -1;
	}
	int got = !timed_out && PQgetvalue(r, 0, PQnfields(r) - 1)[0] == 't';
	PQclear(r);
	if (got) /* (the timeout was the lock's; the audit chain's lock is waited for) */
		return wait ? db_run(conn, e, "SET LOCAL lock_timeout TO DEFAULT", 0, NULL) : 0;
	err_set(e, "S3015",
		"cases are being written (a load, an intake commit or a withdrawal); the year "
		"was not approved");
	err_hint(e, "Approve again when it ends.");
	return -1;
}

int approval_set(PGconn *conn, const uint8_t *audit_key, const struct codelists *lists,
		 const char *agency, long year, const char *by, int wait, struct wq_error *e)
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
	    db_run(conn, e, "BEGIN", 0, NULL) < 0 || no_case_written(conn, wait, e) < 0 ||
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
