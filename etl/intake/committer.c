/* Group commit (see committer.h). */
#include "etl/intake/committer.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/audit_chain.h"
#include "common/clock.h"
#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "etl/load/batch.h"
#include "etl/load/chunk.h"
#include "common/copy.h"
#include "etl/load/linkage.h"
#include "etl/load/refresher.h"
#include "etl/intake/spool.h"

struct committer {
	const struct wq_config *cfg;
	const struct codelists *lists;
	struct keys *keys;
	const uint8_t *audit_key;
	struct refresher *refresher;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a submission waits */
	struct submission *head, **tail;
	int stopping;
	int key_version; /* under mu */
	PGconn *conn;
	pthread_t thread;
	/* The committer thread's own. */
	int spooled;	    /* the spool may hold submissions: groups go there too */
	double drain_after; /* after a failed drain: not before (monotonic seconds) */
};

int committer_key_version(struct committer *c)
{
	pthread_mutex_lock(&c->mu);
	int v = c->key_version;
	pthread_mutex_unlock(&c->mu);
	return v;
}

/* Publishes version V once its storage key is derived (keys_store derives on first use
 * and is not safe to race: the requests only ever hash under a published version). */
static void set_key_version(struct committer *c, int v)
{
	for (int i = 1; i <= v; i++) /* a tier-2 value chains every version up to v */
		keys_store(c->keys, i);
	pthread_mutex_lock(&c->mu);
	c->key_version = v;
	pthread_mutex_unlock(&c->mu);
}

void committer_submit(struct committer *c, struct submission *s)
{
	s->outcome = OUTCOME_PENDING;
	s->next = NULL;
	pthread_mutex_lock(&c->mu);
	*c->tail = s;
	c->tail = &s->next;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
}

/* ---- groups ---- */

/* The keys of a group: its case keys and its Idempotency-Keys (keyed hashes, 32 bytes
 * each). A submission with a case already in the group waits for the next one (one
 * transaction cannot write a case twice, and order must hold); so does one whose
 * Idempotency-Key is (a concurrent retry, or a client reusing a key): in the next group
 * it gets the first one's answer or a 409, and the group it would have aborted on the
 * unique index commits. */
struct key_set {
	const uint8_t **slot;
	size_t cap, held; /* held at most half of cap, so that probes end */
};

static int key_set_has(const struct key_set *ks, const uint8_t *k)
{
	uint64_t h;
	memcpy(&h, k, sizeof h);
	for (size_t j = h % ks->cap; ks->slot[j]; j = (j + 1) % ks->cap)
		if (memcmp(ks->slot[j], k, 32) == 0)
			return 1;
	return 0;
}

static void key_set_put(struct key_set *ks, const uint8_t *k)
{
	uint64_t h;
	memcpy(&h, k, sizeof h);
	size_t j = h % ks->cap;
	while (ks->slot[j])
		j = (j + 1) % ks->cap;
	ks->slot[j] = k;
	ks->held++;
}

static size_t keys_of(const struct submission *s)
{
	return s->n_cases + (s->has_key ? 1 : 0);
}

static int key_set_has_any(const struct key_set *ks, const struct submission *s)
{
	if (s->has_key && key_set_has(ks, s->key_hash))
		return 1;
	for (size_t i = 0; i < s->n_cases; i++)
		if (key_set_has(ks, s->cases[i].case_key))
			return 1;
	return 0;
}

static void key_set_add(struct key_set *ks, const struct submission *s)
{
	if (s->has_key)
		key_set_put(ks, s->key_hash);
	for (size_t i = 0; i < s->n_cases; i++)
		key_set_put(ks, s->cases[i].case_key);
}

/* Takes the submissions at the head of the list *HEAD, in order, while they fit a group
 * of MAX_CASES cases (a first one always does, whatever its size) into GROUP. */
static size_t take(struct submission **head, size_t max_cases, struct submission ***group,
		   size_t *cap, struct key_set *ks)
{
	size_t n = 0, cases = 0;
	memset(ks->slot, 0, ks->cap * sizeof *ks->slot);
	ks->held = 0;
	while (*head) {
		struct submission *s = *head;
		int fits = ks->held + keys_of(s) <= ks->cap / 2;
		if (n && (cases + s->n_cases > max_cases || !fits || key_set_has_any(ks, s)))
			break;
		*head = s->next;
		xgrow((void **)group, cap, n + 1, sizeof **group);
		(*group)[n++] = s;
		cases += s->n_cases;
		if (!fits)
			break; /* a first one too large for the set is a group of its own */
		key_set_add(ks, s);
	}
	return n;
}

/* ---- one group ---- */

static void free_cases(struct submission *s, size_t from)
{
	for (size_t i = from; i < s->n_cases; i++)
		rec_free(&s->cases[i]);
	s->n_cases = from;
}

static void fail(struct submission *s, const struct wq_error *e)
{
	s->outcome = OUTCOME_FAILED;
	s->error = *e;
}

/* How long a group waits for a lock (the storage key's, while a rotation holds it; the
 * spool's table, while a withdrawal or another intake's group holds it) before it fails,
 * answered 503 with nothing committed: a request waits for at most its own group and the
 * one before (it arrived during that one's wait), 20 s, before the front gives up on it
 * (4 statement timeouts and 30 s: 30 s at least), after which a commit would load what
 * its client was told was not, and a retry without an Idempotency-Key load it again. */
#define LOCK_WAIT "'10s'"

/* The connection, made when missing: synchronous commit (an answer means the commit is on
 * disk, whatever the server's default), locks waited for at most LOCK_WAIT, and the chunk
 * code's temporary tables. */
static PGconn *connection(struct committer *c, struct wq_error *e)
{
	if (c->conn && db_alive(c->conn))
		return c->conn;
	PQfinish(c->conn);
	c->conn = db_connect(c->cfg, c->cfg->db_loader_user, e);
	if (!c->conn)
		return NULL;
	struct batch b = {.conn = c->conn};
	if (db_run(c->conn, e, "SET synchronous_commit = on", 0, NULL) < 0 ||
	    db_run(c->conn, e, "SET lock_timeout = " LOCK_WAIT, 0, NULL) < 0 ||
	    chunk_prepare(&b, e) < 0) {
		PQfinish(c->conn);
		c->conn = NULL;
	}
	return c->conn;
}

/* Under the linkage lock: submissions whose key was used before (and not forgotten) get
 * the first answer, or a conflict; forgotten keys are released. Returns 0 or -1. */
static int check_keys(struct committer *c, PGconn *conn, struct submission **group, size_t n,
		      struct wq_error *e)
{
	struct strbuf keys;
	sb_init(&keys);
	sb_putc(&keys, '{');
	for (size_t i = 0; i < n; i++) {
		if (!group[i]->has_key)
			continue;
		sb_printf(&keys, "%s\"", keys.len > 1 ? "," : "");
		sb_hex(&keys, COPY_BYTEA, group[i]->key_hash, 32);
		sb_putc(&keys, '"');
	}
	sb_putc(&keys, '}');
	int rc = 0;
	if (keys.len > 2) {
		char hours[16];
		snprintf(hours, sizeof hours, "%d", c->cfg->idempotency_hours);
		const char *params[] = {keys.data, hours};
		/* Forgotten keys are released (the statement sees the rows as before it), and
		 * withdrawn requests' keys no longer remembered are dropped. */
		PGresult *r = db_exec(
		    conn, e,
		    "WITH forgotten AS (UPDATE warehouse.batch SET idempotency_key = NULL "
		    "  WHERE idempotency_key = ANY($1::bytea[]) "
		    "  AND loaded_at < now() - $2::int * interval '1 hour' RETURNING batch_id), "
		    "expired AS (DELETE FROM warehouse.withdrawn_request "
		    "  WHERE loaded_at < now() - $2::int * interval '1 hour') "
		    "SELECT idempotency_key, body_hash, status, response, NULL::bigint "
		    "FROM warehouse.batch WHERE idempotency_key = ANY($1::bytea[]) "
		    "AND batch_id NOT IN (SELECT batch_id FROM forgotten) "
		    "UNION ALL SELECT idempotency_key, body_hash, 410, '', batch_id "
		    "FROM warehouse.withdrawn_request WHERE idempotency_key = ANY($1::bytea[]) "
		    "AND loaded_at >= now() - $2::int * interval '1 hour'",
		    2, params);
		if (!r)
			rc = -1;
		for (int k = 0; r && k < PQntuples(r); k++) {
			size_t kl, bl;
			unsigned char *key =
			    PQunescapeBytea((const unsigned char *)PQgetvalue(r, k, 0), &kl);
			unsigned char *body =
			    PQunescapeBytea((const unsigned char *)PQgetvalue(r, k, 1), &bl);
			for (size_t i = 0; i < n; i++) {
				struct submission *s = group[i];
				if (!s->has_key || s->outcome != OUTCOME_PENDING || kl != 32 ||
				    memcmp(key, s->key_hash, 32) != 0)
					continue;
				int same = bl == 32 && sodium_memcmp(body, s->body_hash, 32) == 0;
				if (same && !PQgetisnull(r, k, 4)) {
					s->outcome = OUTCOME_WITHDRAWN;
					s->withdrawn_batch = atoll(PQgetvalue(r, k, 4));
				} else if (same) {
					s->outcome = OUTCOME_REPLAYED;
					s->stored_status = (unsigned)atoi(PQgetvalue(r, k, 2));
					s->stored_response = xstrdup(PQgetvalue(r, k, 3));
				} else {
					s->outcome = OUTCOME_CONFLICT;
				}
				free_cases(s, 0);
			}
			PQfreemem(key);
			PQfreemem(body);
		}
		PQclear(r);
	}
	sb_free(&keys);
	return rc;
}

/* The batch rows of the submissions that load, in one COPY (COPY writes the identity
 * column as given: the ids the requests drew). A request's batch key is random: the key
 * that makes a file load once is the file's hash; a request's is its Idempotency-Key. */
static int write_batches(PGconn *conn, struct submission **group, size_t n, int version,
			 struct wq_error *e)
{
	struct strbuf sb;
	sb_init(&sb);
	for (size_t i = 0; i < n; i++) {
		struct submission *s = group[i];
		if (s->outcome != OUTCOME_PENDING)
			continue;
		uint8_t random_key[32];
		randombytes_buf(random_key, sizeof random_key);
		sb_printf(&sb, "%lld\t", s->batch_id);
		sb_hex(&sb, COPY_BYTEA, random_key, 32);
		sb_printf(&sb, "\t%d\thttp\t%ld\t%ld\t%ld\t", version, s->records, s->accepted,
			  s->rejected);
		copy_text(&sb, s->agency);
		sb_putc(&sb, '\t');
		if (s->has_key)
			sb_hex(&sb, COPY_BYTEA, s->key_hash, 32);
		else
			sb_puts(&sb, "\\N");
		sb_putc(&sb, '\t');
		sb_hex(&sb, COPY_BYTEA, s->body_hash, 32);
		sb_printf(&sb, "\t%u\t", s->status);
		copy_text(&sb, s->response);
		sb_putc(&sb, '\n');
	}
	int rc = sb.len == 0 ? 0
			     : db_copy(conn, e,
				       "COPY warehouse.batch (batch_id, batch_key, key_version, "
				       "source, records, accepted, rejected, agency, "
				       "idempotency_key, body_hash, status, response) FROM STDIN",
				       sb.data, sb.len);
	sb_free(&sb);
	return rc;
}

/* The accepted cases of the group, chunk after chunk, through the loader's chunk code. */
static int write_cases(const struct wq_config *cfg, const struct codelists *lists,
		       struct keys *keys, PGconn *conn, struct submission **group, size_t n,
		       int version, unsigned *staged, struct wq_error *e)
{
	struct load_options opt = {0};
	struct load_result r = {0};
	struct batch b = {
	    .conn = conn, .cfg = cfg, .keys = keys, .opt = &opt, .r = &r, .staged = *staged};
	struct chunk ch;
	int rc = 0;
	b.ctx = (struct rec_context){lists, keys, version, cfg->default_id_country,
				     cfg->max_json_depth};
	pthread_mutex_init(&b.lock, NULL);
	chunk_init(&ch);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct submission *s = group[i];
		if (s->outcome != OUTCOME_PENDING)
			continue;
		if (!b.id) {
			b.id = s->batch_id; /* merges are recorded under the group's first batch */
			snprintf(b.id_text, sizeof b.id_text, "%lld", b.id);
		}
		size_t k = 0;
		while (k < s->n_cases && rc == 0) {
			struct case_rec *cr = &ch.cases[ch.n_cases++];
			*cr = s->cases[k++];
			cr->batch_id = s->batch_id;
			if (ch.n_cases == CHUNK_CASES)
				rc = chunk_write(&b, &ch, e);
		}
		free_cases(s, k); /* after a failure: what was not handed to a chunk */
		s->n_cases = 0;
	}
	if (rc == 0 && ch.n_cases)
		rc = chunk_write(&b, &ch, e);
	chunk_free(&ch);
	pthread_mutex_destroy(&b.lock);
	*staged = b.staged; /* what this transaction's staging tables hold, for the next call */
	return rc;
}

/* The rejects of the group, and an audit row per submission. */
static int write_rest(struct committer *c, PGconn *conn, struct submission **group, size_t n,
		      int spooled, struct wq_error *e)
{
	struct strbuf rejects;
	struct audit_row *rows = xcalloc(n + 1, sizeof *rows);
	size_t nrows = 0;
	sb_init(&rejects);
	for (size_t i = 0; i < n; i++) {
		struct submission *s = group[i];
		if (s->outcome != OUTCOME_PENDING)
			continue;
		sb_put(&rejects, s->rejects.data, s->rejects.len);
		json_t *j =
		    json_pack("{s:s,s:I,s:s,s:I,s:I,s:I,s:i}", "kind", "cases", "batch",
			      (json_int_t)s->batch_id, "agency", s->agency, "records",
			      (json_int_t)s->records, "accepted", (json_int_t)s->accepted,
			      "rejected", (json_int_t)s->rejected, "status", (int)s->status);
		if (spooled && s->accepted)
			json_object_set_new(j, "spooled", json_true());
		audit_now(rows[nrows].at);
		rows[nrows++].body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(j);
	}
	int rc = 0;
	if (rejects.len)
		rc = db_copy(conn, e,
			     "COPY warehouse.reject (batch_id, record_no, line, code, pointer, "
			     "message) FROM STDIN",
			     rejects.data, rejects.len);
	if (rc == 0 && nrows)
		rc = audit_append_rows(conn, c->audit_key, "submission", rows, nrows, e);
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].body);
	free(rows);
	sb_free(&rejects);
	return rc;
}

/* Begins the group's transaction: the storage key under a share lock (as a load reads it);
 * the linkage lock (as a load takes it), waited for at most SPOOL_AFTER, or only tried
 * while the spool may hold anything; then the spool's order lock (spool.h), which every
 * group takes (waited for at most LOCK_WAIT, as any lock), so that across intakes spool
 * ids follow commits and idempotency keys are checked one group at a time. *SPOOL: the
 * group is spooled, since the linkage lock is not held or something is spooled before it.
 * Returns the storage version, or -1 with e set. */
#define SPOOL_ORDER_LOCK "SELECT pg_advisory_xact_lock(" SPOOL_ORDER_LOCK_KEY "); "
static int begin(struct committer *c, PGconn *conn, int *spool, struct wq_error *e)
{
	PGresult *r = PQexec(
	    conn, c->spooled
		      ? "BEGIN; SELECT FROM warehouse.key_state FOR SHARE; " SPOOL_ORDER_LOCK
			"SELECT storage_version, pg_try_advisory_xact_lock(" LINKAGE_LOCK_KEY
			"), EXISTS (SELECT FROM warehouse.intake_spool) "
			"FROM warehouse.key_state"
		      : "BEGIN; SELECT FROM warehouse.key_state FOR SHARE; SAVEPOINT linkage; "
			"SET LOCAL lock_timeout = " SPOOL_AFTER "; "
			"SELECT pg_advisory_xact_lock(" LINKAGE_LOCK_KEY "); "
			"SET LOCAL lock_timeout = " LOCK_WAIT "; " SPOOL_ORDER_LOCK
			"SELECT storage_version, true, EXISTS (SELECT FROM "
			"warehouse.intake_spool) FROM warehouse.key_state");
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (!c->spooled && PQresultStatus(r) == PGRES_FATAL_ERROR && state &&
	    strcmp(state, "55P03") == 0) { /* lock_not_available: a load holds it */
		PQclear(r);
		r = PQexec(conn, "ROLLBACK TO SAVEPOINT linkage; " SPOOL_ORDER_LOCK
				 "SELECT storage_version, false, true FROM warehouse.key_state");
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		db_error(conn, r, "S2002", e);
		PQclear(r);
		return -1;
	}
	int version = atoi(PQgetvalue(r, 0, 0));
	*spool = PQgetvalue(r, 0, 1)[0] != 't' || PQgetvalue(r, 0, 2)[0] == 't';
	PQclear(r);
	return version;
}

/* One transaction for the group, linked or spooled. Every submission leaves with an
 * outcome. */
static void commit_group(struct committer *c, struct submission **group, size_t n)
{
	struct wq_error e;
	PGconn *conn = connection(c, &e);
	int in_tx = 0, loaded = 0, spool = 0;
	unsigned staged = 0;
	if (!conn)
		goto failed;
	in_tx = 1;
	int version = begin(c, conn, &spool, &e);
	if (version < 0)
		goto failed;
	if (version != committer_key_version(c)) {
		/* Rotated since these were hashed: refused (503), hashed anew on the retry. */
		set_key_version(c, version);
		err_set(&e, "S3006", "the storage key was rotated while the request was checked");
		goto failed;
	}
	for (size_t i = 0; i < n; i++)
		if (group[i]->key_version != version) {
			err_set(&e, "S3006",
				"the storage key was rotated while the request was checked");
			goto failed;
		}
	if (check_keys(c, conn, group, n, &e) < 0 ||
	    write_batches(conn, group, n, version, &e) < 0 ||
	    (spool ? spool_write(conn, group, n, &e)
		   : write_cases(c->cfg, c->lists, c->keys, conn, group, n, version, &staged, &e)) <
		0 ||
	    write_rest(c, conn, group, n, spool, &e) < 0)
		goto failed;
	for (size_t i = 0; i < n; i++)
		loaded |= group[i]->outcome == OUTCOME_PENDING;
	if (db_run(conn, &e, "COMMIT", 0, NULL) < 0) {
		/* Whether it committed is unknown: the answer is a 503, and the client's retry
		 * with its key finds the batch if it did. */
		in_tx = 0;
		goto failed;
	}
	for (size_t i = 0; i < n; i++)
		if (group[i]->outcome == OUTCOME_PENDING)
			group[i]->outcome = OUTCOME_COMMITTED;
	c->spooled = spool; /* linked: the spool was empty, under its order lock */
	if (!spool && loaded)
		refresher_poke(c->refresher);
	return;
failed:
	if (in_tx && conn)
		PQclear(PQexec(conn, "ROLLBACK"));
	if (conn && PQstatus(conn) != CONNECTION_OK) {
		PQfinish(c->conn);
		c->conn = NULL;
	}
	log_warning("intake: a group of %zu requests was not committed: %s: %s", n, e.code,
		    e.message);
	/* Every one fails, a replay found in the rolled-back transaction too: its retry
	 * finds the stored answer again. */
	for (size_t i = 0; i < n; i++) {
		free_cases(group[i], 0);
		free(group[i]->stored_response);
		group[i]->stored_response = NULL;
		fail(group[i], &e);
	}
}

/* ---- the spool ---- */

long spool_link(PGconn *conn, const struct wq_config *cfg, const struct codelists *lists,
		struct keys *keys, int version, int all, unsigned *staged, long long *oldest,
		struct wq_error *e)
{
	/* Room for a full group's case keys and as many Idempotency-Keys, at half load. */
	size_t slots = 4 * (size_t)cfg->group_cases + 1, cap = 0;
	struct key_set ks = {xcalloc(slots, sizeof(uint8_t *)), slots, 0};
	struct submission **group = NULL;
	long linked = 0;
	int rc;
	*oldest = 0;
	/* What is spooled now, in a statement after the lock's (whose snapshot holds every
	 * group committed before it), and nothing later: a load's statements each read anew
	 * (READ COMMITTED), and a group spooled while it links was received after the load
	 * had the lock, to be linked after its cases. */
	PGresult *r = db_exec(
	    conn, e, "SELECT coalesce(max(spool_id), 0) FROM warehouse.intake_spool", 0, NULL);
	if (!r) {
		free(ks.slot);
		return -1;
	}
	long long upto = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	do {
		struct submission *list = NULL;
		struct strbuf ids;
		sb_init(&ids);
		rc = upto ? spool_read(conn, lists, cfg->group_cases, upto, version, &list, &ids, e)
			  : 0;
		if (rc > 0) {
			if (!*oldest)
				*oldest = list->batch_id;
			/* Spooled under an older version (a rotation refuses while the spool
			 * holds anything: only by hand): brought forward as a rotation would. */
			for (struct submission *s = list; s; s = s->next)
				for (size_t k = 0; s->key_version < version && k < s->n_cases;
				     k++) {
					struct case_rec *cr = &s->cases[k];
					pseudo_rehash(keys, cr->case_key, s->key_version, version);
					for (int p = 0; p < cr->n_victims + cr->n_offenders; p++) {
						struct person_rec *pr =
						    p < cr->n_victims
							? &cr->victims[p]
							: &cr->offenders[p - cr->n_victims];
						for (int t = 0; t < pr->ntok; t++)
							pseudo_rehash(keys, pr->tok[t].hash,
								      s->key_version, version);
					}
				}
			while (list && rc > 0) {
				size_t n = take(&list, (size_t)cfg->group_cases, &group, &cap, &ks);
				if (write_cases(cfg, lists, keys, conn, group, n, version, staged,
						e) < 0)
					rc = -1;
				for (size_t i = 0; i < n; i++)
					spool_free(group[i]);
				linked += (long)n;
			}
			if (rc > 0 && spool_remove(conn, ids.data, e) < 0)
				rc = -1;
		}
		sb_free(&ids);
		while (list) {
			struct submission *next = list->next;
			spool_free(list);
			list = next;
		}
	} while (all && rc > 0);
	free(group);
	free(ks.slot);
	return rc < 0 ? -1 : linked;
}

enum drained { DRAIN_FAILED = -1, DRAIN_BUSY, DRAIN_SOME, DRAIN_EMPTY };

/* Links the oldest spooled submissions (about a group's worth) in one transaction, if the
 * linkage lock is free at once: DRAIN_SOME (more may remain), DRAIN_EMPTY (nothing was
 * spooled), DRAIN_BUSY (a load holds the lock), or DRAIN_FAILED with e set and *OLDEST the
 * first batch it read (0 if none). */
static enum drained drain(struct committer *c, long long *oldest, struct wq_error *e)
{
	*oldest = 0;
	PGconn *conn = connection(c, e);
	if (!conn)
		return DRAIN_FAILED;
	PGresult *r = PQexec(conn, "BEGIN; SELECT FROM warehouse.key_state FOR SHARE; "
				   "SELECT pg_try_advisory_xact_lock(" LINKAGE_LOCK_KEY
				   "), storage_version FROM warehouse.key_state");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		db_error(conn, r, "S2002", e);
		PQclear(r);
		PQclear(PQexec(conn, "ROLLBACK"));
		return DRAIN_FAILED;
	}
	int got = PQgetvalue(r, 0, 0)[0] == 't', version = atoi(PQgetvalue(r, 0, 1));
	PQclear(r);
	unsigned staged = 0;
	if (got && version != committer_key_version(c))
		set_key_version(c, version);
	long linked =
	    got ? spool_link(conn, c->cfg, c->lists, c->keys, version, 0, &staged, oldest, e) : 0;
	if (linked > 0 && db_run(conn, e, "COMMIT", 0, NULL) < 0)
		linked = -1;
	if (linked <= 0) {
		PQclear(PQexec(conn, "ROLLBACK"));
		if (linked < 0 && PQstatus(conn) != CONNECTION_OK) {
			PQfinish(c->conn);
			c->conn = NULL;
		}
		return linked < 0 ? DRAIN_FAILED : got ? DRAIN_EMPTY : DRAIN_BUSY;
	}
	refresher_poke(c->refresher);
	return DRAIN_SOME;
}

/* ---- the thread ---- */

/* While the spool holds submissions: how often an idle committer tries the linkage lock,
 * and how long it leaves the spool alone after a drain failed. */
#define DRAIN_EVERY_MS 200
#define DRAIN_RETRY_S  5
#define IDLE_LOOK_MS   10000

/* Spooled submissions first, oldest first, whenever the linkage lock is free. Returns
 * whether more are waiting to be linked now (no pause before the next try). */
static int drain_some(struct committer *c)
{
	if (!c->spooled || clock_now() < c->drain_after)
		return 0;
	struct wq_error e;
	long long oldest;
	enum drained d = drain(c, &oldest, &e);
	if (d == DRAIN_EMPTY)
		c->spooled = 0;
	if (d == DRAIN_FAILED) {
		/* The batch an operator may have to withdraw, and why. */
		if (oldest)
			log_warning("intake: spooled submissions from b-%lld on were not linked: "
				    "%s: %s",
				    oldest, e.code, e.message);
		else
			log_warning("intake: spooled submissions were not linked: %s: %s", e.code,
				    e.message);
		c->drain_after = clock_now() + DRAIN_RETRY_S;
	}
	return d == DRAIN_SOME;
}

static void *run(void *arg)
{
	struct committer *c = arg;
	struct submission **group = NULL;
	size_t cap = 0;
	/* Room for a full group's case keys and as many Idempotency-Keys, at half load. */
	size_t slots = 4 * (size_t)c->cfg->group_cases + 1;
	struct key_set ks = {xcalloc(slots, sizeof(uint8_t *)), slots, 0};
	for (;;) {
		int more = drain_some(c);
		pthread_mutex_lock(&c->mu);
		while (!c->head && !c->stopping && !more) {
			/* Idle and not yet connected: reach the database, so that requests learn
			 * the key version. */
			if (!c->key_version) {
				pthread_mutex_unlock(&c->mu);
				struct wq_error e;
				PGconn *conn = connection(c, &e);
				PGresult *r = conn ? db_exec(conn, &e,
							     "SELECT storage_version FROM "
							     "warehouse.key_state",
							     0, NULL)
						   : NULL;
				if (r) {
					set_key_version(c, atoi(PQgetvalue(r, 0, 0)));
					PQclear(r);
				}
				pthread_mutex_lock(&c->mu);
				if (!c->key_version) {
					struct timespec until;
					clock_gettime(CLOCK_REALTIME, &until);
					until.tv_sec += 1;
					pthread_cond_timedwait(&c->work, &c->mu, &until);
				}
				continue;
			}
			/* Spooled: back to the lock soon, or at the next submission. Idle: a look
			 * at the spool now and then, which another intake that stopped may have
			 * left full. */
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (c->spooled ? DRAIN_EVERY_MS : IDLE_LOOK_MS) * 1000000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			if (pthread_cond_timedwait(&c->work, &c->mu, &until) == ETIMEDOUT)
				c->spooled = 1; /* idle: the next round looks */
			break;
		}
		if (!c->head) {
			int stop = c->stopping;
			pthread_mutex_unlock(&c->mu);
			if (stop)
				break;
			continue;
		}
		size_t n = take(&c->head, (size_t)c->cfg->group_cases, &group, &cap, &ks);
		if (!c->head)
			c->tail = &c->head;
		pthread_mutex_unlock(&c->mu);
		commit_group(c, group, n);
		for (size_t i = 0; i < n; i++)
			group[i]->done(group[i]);
	}
	free(group);
	free(ks.slot);
	return NULL;
}

struct committer *committer_start(const struct wq_config *cfg, const struct codelists *lists,
				  struct keys *keys, const uint8_t *audit_key,
				  struct refresher *refresher)
{
	struct committer *c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->lists = lists;
	c->keys = keys;
	c->audit_key = audit_key;
	c->refresher = refresher;
	c->tail = &c->head;
	c->spooled = 1; /* until a drain finds the spool empty: it may hold an earlier run's */
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_create(&c->thread, NULL, run, c);
	return c;
}

void committer_stop(struct committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	PQfinish(c->conn);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->work);
	free(c);
}
