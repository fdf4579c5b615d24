/* Unlinking children who harmed after their retention period (see retention.h). */
#include "etl/ops/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/db.h"
#include "etl/load/linkage.h"

long retention_run(PGconn *conn, int months, struct wq_error *e)
{
	char m[16];
	snprintf(m, sizeof m, "%d", months);
	const char *params[] = {m}, *lock[] = {LINKAGE_LOCK_KEY};
	/* As a load writes, in the order a load locks: the key state shared, then the linkage
	 * lock, so that no load links a new case (and a new token) to a child this unlinks
	 * from a snapshot without that case. A child left unlinkable with tokens (before this
	 * lock was taken: most likely with a new case, so not expired) loses them, whatever
	 * its cases' dates. */
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0)
		return -1;
	if (db_run(conn, e, "SELECT FROM warehouse.key_state FOR SHARE", 0, NULL) < 0 ||
	    db_run(conn, e, "SELECT pg_advisory_xact_lock($1::bigint)", 1, lock) < 0) {
		PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	PGresult *res = db_exec(
	    conn, e,
	    "WITH expired AS ("
	    "  SELECT p.person_id FROM warehouse.person p"
	    "  JOIN warehouse.offender o USING (person_id)"
	    "  JOIN warehouse.\"case\" c USING (case_id)"
	    "  WHERE p.scope = 'c' AND p.linkable"
	    "  GROUP BY p.person_id"
	    "  HAVING max(c.reported) < date_trunc('month', now()) - make_interval(months => "
	    "$1::int)"
	    "), gone AS ("
	    "  DELETE FROM warehouse.person_token t USING warehouse.person p"
	    "  WHERE t.person_id = p.person_id AND p.scope = 'c' AND (NOT p.linkable"
	    "    OR p.person_id IN (SELECT person_id FROM expired))"
	    ") "
	    "UPDATE warehouse.person p SET linkable = false FROM expired x "
	    "WHERE p.person_id = x.person_id",
	    1, params);
	if (!res) {
		PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	long n = atol(PQcmdTuples(res));
	PQclear(res);
	if (db_run(conn, e, "COMMIT", 0, NULL) < 0) {
		PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	return n;
}
