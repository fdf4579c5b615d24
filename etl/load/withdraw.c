/* Withdrawing a batch (see withdraw.h). */
#include "etl/load/withdraw.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/audit_chain.h"
#include "common/db.h"
#include "etl/load/linkage.h"

/* Why the batch's effects reach beyond its rows, each a count; the first that is not zero
 * refuses the withdrawal. Persons of the batch: those its cases name. */
static const struct {
	const char *sql, *why, *hint;
} refusals[] = {
    {"SELECT count(*) FROM warehouse.\"case\" WHERE batch_id = $1 AND revision > 1",
     "Earlier submissions of its cases that it replaced (their earlier versions are not kept)",
     "Load the corrected cases again: each replaces the one loaded by mistake."},
    /* Any merge of a person it introduced, whichever batch it is recorded under (the
     * intake records a commit group's merges under its first batch), but those it made of
     * two persons it introduced itself (a child named apart in its first chunk and with
     * both identifiers in a later one): everything of both goes with it. */
    {"SELECT count(*) FROM warehouse.person_merge m WHERE (m.batch_id = $1 OR EXISTS ("
     "  SELECT 1 FROM warehouse.person p WHERE p.first_batch = $1"
     "  AND p.person_id IN (m.from_person, m.into_person))) AND NOT (m.batch_id = $1 AND ("
     "  SELECT count(*) FROM warehouse.person p WHERE p.first_batch = $1"
     "  AND p.person_id IN (m.from_person, m.into_person)) = 2)",
     "Merges of persons that it made or that involve persons it introduced",
     "A merge cannot be undone without guessing which rows were whose."},
    {"SELECT count(DISTINCT p.person_id) FROM warehouse.person p "
     "JOIN (SELECT person_id, case_id FROM warehouse.victim UNION ALL "
     "      SELECT person_id, case_id FROM warehouse.offender) x USING (person_id) "
     "JOIN warehouse.\"case\" c USING (case_id) "
     "WHERE c.batch_id = $1 AND p.first_batch <> $1",
     "Persons known before it that its cases name (they may have gained identifiers from it)",
     "Load the corrected cases again instead."},
    {"SELECT count(DISTINCT p.person_id) FROM warehouse.person p "
     "JOIN (SELECT person_id, case_id FROM warehouse.victim UNION ALL "
     "      SELECT person_id, case_id FROM warehouse.offender) x USING (person_id) "
     "JOIN warehouse.\"case\" c USING (case_id) "
     "WHERE p.first_batch = $1 AND c.batch_id <> $1",
     "Persons it introduced whom later batches name",
     "Withdraw the later batches first, or load corrected cases instead."},
};

/* The removal, in dependency order: what the refresh needs queued first (the persons'
 * salts go with them), the case facts by their keys (a case gone from the warehouse is
 * not found by the refresh), then the rows. */
static const char *const removal[] = {
    "INSERT INTO warehouse.refresh_queue (person_id, salt, case_id) "
    "SELECT person_id, salt, NULL FROM warehouse.person WHERE first_batch = $1",
    "DELETE FROM analytics.case_fact WHERE row_key = ANY (ARRAY("
    "  SELECT warehouse.row_key(case_key, 'case', 0) FROM warehouse.\"case\" "
    "  WHERE batch_id = $1))",
    "DELETE FROM warehouse.intervention WHERE case_id IN "
    "  (SELECT case_id FROM warehouse.\"case\" WHERE batch_id = $1)",
    "DELETE FROM warehouse.victim WHERE case_id IN "
    "  (SELECT case_id FROM warehouse.\"case\" WHERE batch_id = $1)",
    "DELETE FROM warehouse.offender WHERE case_id IN "
    "  (SELECT case_id FROM warehouse.\"case\" WHERE batch_id = $1)",
    "DELETE FROM warehouse.\"case\" WHERE batch_id = $1",
    "DELETE FROM warehouse.person_token WHERE person_id IN "
    "  (SELECT person_id FROM warehouse.person WHERE first_batch = $1)",
    /* (Only merges of its own persons are left: any other refused it.) */
    "DELETE FROM warehouse.person_merge WHERE batch_id = $1",
    "DELETE FROM warehouse.person WHERE first_batch = $1",
    /* A request's key outlives its batch: a retry is answered 410, not loaded again. */
    "INSERT INTO warehouse.withdrawn_request "
    "SELECT idempotency_key, body_hash, loaded_at, batch_id FROM warehouse.batch "
    "WHERE batch_id = $1 AND idempotency_key IS NOT NULL AND body_hash IS NOT NULL "
    "ON CONFLICT (idempotency_key) DO UPDATE SET body_hash = excluded.body_hash, "
    "loaded_at = excluded.loaded_at, batch_id = excluded.batch_id",
    "DELETE FROM warehouse.batch WHERE batch_id = $1",
};

static long count(PGconn *conn, const char *sql, const char *id, struct wq_error *e)
{
	const char *params[] = {id};
	PGresult *r = db_exec(conn, e, sql, 1, params);
	if (!r)
		return -1;
	long n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

/* The linkage lock (no load links to the batch's persons meanwhile), then the refresh
 * lock (no refresh, whose snapshot could still hold the batch's cases, writes their facts
 * back after the withdrawal deleted them): the order rekey takes them in. Waited for, or
 * only tried (S3010 when a load or refresh holds one). */
static int lock(PGconn *conn, int wait, struct wq_error *e)
{
	const char *linkage[] = {LINKAGE_LOCK_KEY};
	PGresult *r = db_exec(conn, e,
			      wait ? "SELECT pg_advisory_xact_lock($1::bigint), "
				     "pg_advisory_xact_lock(warehouse.refresh_lock()), true"
				   : "SELECT pg_try_advisory_xact_lock($1::bigint) AND "
				     "pg_try_advisory_xact_lock(warehouse.refresh_lock())",
			      1, linkage);
	if (!r)
		return -1;
	int got = PQgetvalue(r, 0, PQnfields(r) - 1)[0] == 't';
	PQclear(r);
	if (!got) {
		err_set(e, "S3010", "a load or a refresh is running; the batch was not withdrawn");
		err_hint(e, "Try again when it ends.");
		return -1;
	}
	return 0;
}

int withdraw_batch(PGconn *conn, const uint8_t *audit_key, long long id, const char *by, int wait,
		   struct withdrawal *w, struct wq_error *e)
{
	char text[24];
	const char *params[] = {text};
	snprintf(text, sizeof text, "%lld", id);
	w->cases = w->persons = 0;
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0)
		return -1;
	if (lock(conn, wait, e) < 0)
		goto fail;
	long n = count(conn, "SELECT count(*) FROM warehouse.batch WHERE batch_id = $1", text, e);
	if (n < 0)
		goto fail;
	if (n == 0) {
		err_set(e, "S3009", "there is no batch %lld", id);
		err_hint(e, "A load's summary line names its batch; a batch withdrawn is gone.");
		goto fail;
	}
	for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
		if ((n = count(conn, refusals[i].sql, text, e)) < 0)
			goto fail;
		if (n > 0) {
			err_set(e, "S3008", "batch %lld cannot be withdrawn exactly", id);
			err_detail(e, "%s: %ld.", refusals[i].why, n);
			err_hint(e, "%s Nothing was changed.", refusals[i].hint);
			goto fail;
		}
	}
	if ((w->cases = count(conn, "SELECT count(*) FROM warehouse.\"case\" WHERE batch_id = $1",
			      text, e)) < 0 ||
	    (w->persons =
		 count(conn, "SELECT count(*) FROM warehouse.person WHERE first_batch = $1", text,
		       e)) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof removal / sizeof *removal; i++)
		if (db_run(conn, e, removal[i], 1, params) < 0)
			goto fail;
	/* The case facts changed here, before the refresh: a data version of their own, one
	 * version one set of facts (a token's period reads a version whole, and a server
	 * answering on SQL must not read other facts under its period's version than its
	 * engine does: docs/privacy.md, "Periods"; a cold review), notified at commit as a
	 * build's is. */
	if (db_run(conn, e,
		   "WITH v AS (UPDATE analytics.data_version SET version = version + 1 "
		   "RETURNING version) SELECT pg_notify('wiqaya_data_version', version::text) FROM v",
		   0, NULL) < 0)
		goto fail;
	json_t *j =
	    json_pack("{s:s,s:I,s:s,s:I,s:I}", "kind", "withdrawal", "batch", (json_int_t)id, "by",
		      by, "cases", (json_int_t)w->cases, "persons", (json_int_t)w->persons);
	char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	int rc = audit_append(conn, audit_key, "submission", body, e);
	free(body);
	if (rc < 0 || db_run(conn, e, "COMMIT", 0, NULL) < 0)
		goto fail;
	return 0;
fail:
	PQclear(PQexec(conn, "ROLLBACK"));
	return -1;
}
