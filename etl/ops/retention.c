/* Unlinking children who harmed after their retention period (see retention.h). */
#include "etl/ops/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/db.h"

long retention_run(PGconn *conn, int months, struct wq_error *e)
{
	char m[16];
	snprintf(m, sizeof m, "%d", months);
	const char *params[] = {m};
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
	    "  DELETE FROM warehouse.person_token t USING expired x WHERE t.person_id = x.person_id"
	    ") "
	    "UPDATE warehouse.person p SET linkable = false FROM expired x "
	    "WHERE p.person_id = x.person_id",
	    1, params);
	if (!res)
		return -1;
	long n = atol(PQcmdTuples(res));
	PQclear(res);
	return n;
}
