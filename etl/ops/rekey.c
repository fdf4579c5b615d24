/* Storage-key rotation (see rekey.h). Values are read through a cursor, re-hashed here
 * (the database never sees a key) and written back through one COPY and one UPDATE per
 * table, inside the transaction that bumps the version. */
#include "etl/ops/rekey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/strbuf.h"
#include "etl/load/linkage.h"
#include "etl/pseudonym/pseudonym.h"

struct stored {
	const char *table, *column;
	/* What else is keyed by the value, made again from the map (NULL: nothing): a case's
	 * fact is found by a row key made from its case key (warehouse.case_facts), by the
	 * refresh that replaces it and by a withdrawal that deletes it. */
	const char *follow;
};

/* Every tier-2 value the warehouse holds. */
static const struct stored stored[] = {
    {"warehouse.person_token", "token", NULL},
    {"warehouse.\"case\"", "case_key",
     "UPDATE analytics.case_fact f SET row_key = warehouse.row_key(m.new, 'case', 0) "
     "FROM rekey_map m WHERE f.row_key = warehouse.row_key(m.old, 'case', 0)"},
    {"warehouse.batch", "batch_key", NULL},
};

static int rotate_table(PGconn *conn, struct keys *keys, const struct stored *s, int from,
			long *rows, struct wq_error *e)
{
	char sql[256];
	struct strbuf map;
	int rc = -1;

	sb_init(&map);
	snprintf(sql, sizeof sql, "DECLARE rekey_cur NO SCROLL CURSOR FOR SELECT %s FROM %s",
		 s->column, s->table);
	if (db_run(conn, e, "TRUNCATE rekey_map", 0, NULL) < 0 || db_run(conn, e, sql, 0, NULL) < 0)
		goto out;
	for (;;) {
		PGresult *res = db_exec(conn, e, "FETCH 50000 FROM rekey_cur", 0, NULL);
		if (!res)
			goto out;
		int n = PQntuples(res);
		sb_reset(&map);
		for (int i = 0; i < n; i++) {
			size_t len;
			unsigned char *v =
			    PQunescapeBytea((unsigned char *)PQgetvalue(res, i, 0), &len);
			uint8_t next[TOKEN_BYTES];
			if (len != TOKEN_BYTES) {
				PQfreemem(v);
				PQclear(res);
				err_set(e, "K2002", "a stored value in %s is not %d bytes",
					s->table, TOKEN_BYTES);
				goto out;
			}
			memcpy(next, v, TOKEN_BYTES);
			pseudo_rehash(keys, next, from, from + 1);
			sb_hex(&map, "\\\\x", v, TOKEN_BYTES);
			sb_putc(&map, '\t');
			sb_hex(&map, "\\\\x", next, TOKEN_BYTES);
			sb_putc(&map, '\n');
			PQfreemem(v);
		}
		PQclear(res);
		if (n == 0)
			break;
		if (db_copy(conn, e, "COPY rekey_map (old, new) FROM STDIN", map.data, map.len) < 0)
			goto out;
		*rows += n;
	}
	if (db_run(conn, e, "CLOSE rekey_cur", 0, NULL) < 0)
		goto out;
	snprintf(sql, sizeof sql,
		 "UPDATE %s t SET %s = m.new, key_version = key_version + 1 FROM rekey_map m "
		 "WHERE t.%s = m.old",
		 s->table, s->column, s->column);
	rc = db_run(conn, e, sql, 0, NULL) < 0 ||
		     (s->follow && db_run(conn, e, s->follow, 0, NULL) < 0)
		 ? -1
		 : 0;
out:
	sb_free(&map);
	return rc;
}

int rekey_run(PGconn *conn, struct keys *keys, long *rows, struct wq_error *e)
{
	*rows = 0;
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0)
		return -1;
	PGresult *res =
	    db_exec(conn, e, "SELECT storage_version FROM warehouse.key_state FOR UPDATE", 0, NULL);
	if (!res)
		goto fail;
	int from = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (from >= KEY_MAX_VERSION) {
		err_set(e, "K2001", "no storage-key versions left (at %d of %d)", from,
			KEY_MAX_VERSION);
		err_hint(e, "Re-pseudonymise under a new master key.");
		goto fail;
	}
	/* The linkage lock (no load or intake writes meanwhile), then the refresh lock: a
	 * refresh whose snapshot still held the old case keys would write their row keys
	 * back after the case facts' were made again (the order a withdrawal takes them in). */
	const char *lock[] = {LINKAGE_LOCK_KEY};
	if (db_run(conn, e,
		   "SELECT pg_advisory_xact_lock($1::bigint), "
		   "pg_advisory_xact_lock(warehouse.refresh_lock())",
		   1, lock) < 0)
		goto fail;
	/* Submissions the intake spooled during a load hold tokens under this version,
	 * encoded; rotating would leave them readable with the keys it retires. */
	res = db_exec(conn, e, "SELECT count(*) FROM warehouse.intake_spool", 0, NULL);
	if (!res)
		goto fail;
	long spooled = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (spooled > 0) {
		err_set(e, "K2003", "%ld intake submissions wait to be linked", spooled);
		err_hint(e, "The intake links them as soon as no load runs; rotate then.");
		goto fail;
	}
	if (db_run(conn, e,
		   "CREATE TEMP TABLE rekey_map (old bytea PRIMARY KEY, new bytea NOT NULL) "
		   "ON COMMIT DROP",
		   0, NULL) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof stored / sizeof stored[0]; i++)
		if (rotate_table(conn, keys, &stored[i], from, rows, e) < 0)
			goto fail;
	if (db_run(conn, e,
		   "UPDATE warehouse.key_state SET storage_version = storage_version + 1, "
		   "rotated_at = now()",
		   0, NULL) < 0 ||
	    db_run(conn, e, "COMMIT", 0, NULL) < 0)
		goto fail;
	return from + 1;
fail:
	PQclear(PQexec(conn, "ROLLBACK"));
	return -1;
}
