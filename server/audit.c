/* The audit chain and its writer (see audit.h). */
#include "server/audit.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/db.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define HASH_BYTES 32
/* The advisory lock every appender takes (the server's writer, the token commands), so
 * that the chain has one order. */
#define CHAIN_LOCK "7305420001"

struct entry {
	char at[32];
	char *body;
};

struct audit {
	const struct wq_config *cfg;
	const uint8_t *key;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct entry *ring;
	size_t cap, head, len;
	unsigned long dropped, written;
	int stopping;
	pthread_t thread;
};

static void now_text(char out[32])
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%06ldZ", (long)tv.tv_usec);
}

/* hash = BLAKE2b_key(prev || seq "\n" at "\n" kind "\n" body). */
static void row_hash(const uint8_t *key, const uint8_t prev[HASH_BYTES], long long seq,
		     const char *at, const char *kind, const char *body, uint8_t out[HASH_BYTES])
{
	crypto_generichash_state st;
	char head[96];
	int n = snprintf(head, sizeof head, "%lld\n%s\n%s\n", seq, at, kind);
	crypto_generichash_init(&st, key, 32, HASH_BYTES);
	crypto_generichash_update(&st, prev, HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)head, (size_t)n);
	crypto_generichash_update(&st, (const uint8_t *)body, strlen(body));
	crypto_generichash_final(&st, out, HASH_BYTES);
}

/* The last row's seq and hash (0 and zeros for an empty log). */
static int chain_tail(PGconn *conn, long long *seq, uint8_t prev[HASH_BYTES], struct wq_error *e)
{
	PGresult *r =
	    db_exec(conn, e, "SELECT seq, hash FROM audit.log ORDER BY seq DESC LIMIT 1", 0, NULL);
	if (!r)
		return -1;
	memset(prev, 0, HASH_BYTES);
	*seq = 0;
	if (PQntuples(r) == 1) {
		size_t len;
		unsigned char *h =
		    PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1), &len);
		*seq = atoll(PQgetvalue(r, 0, 0));
		if (h && len == HASH_BYTES)
			memcpy(prev, h, HASH_BYTES);
		PQfreemem(h);
	}
	PQclear(r);
	return 0;
}

/* COPY's text format: backslash, tab and newline escaped. */
static void copy_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			sb_puts(sb, "\\\\");
		else if (*s == '\t')
			sb_puts(sb, "\\t");
		else if (*s == '\n')
			sb_puts(sb, "\\n");
		else if (*s == '\r')
			sb_puts(sb, "\\r");
		else
			sb_putc(sb, *s);
	}
}

/* Appends n rows of one kind in one transaction, under the chain lock. */
static int chain_append(PGconn *conn, const uint8_t *key, const char *kind,
			const struct entry *rows, size_t n, struct wq_error *e)
{
	uint8_t prev[HASH_BYTES], h[HASH_BYTES];
	long long seq;
	struct strbuf data;
	/* In the caller's transaction when there is one (a token change and its row commit
	 * together); otherwise in one of its own. */
	int own = PQtransactionStatus(conn) == PQTRANS_IDLE;
	if (own && db_run(conn, e, "BEGIN", 0, NULL) < 0)
		return -1;
	if (db_run(conn, e, "SELECT pg_advisory_xact_lock(" CHAIN_LOCK ")", 0, NULL) < 0 ||
	    chain_tail(conn, &seq, prev, e) < 0) {
		if (own)
			PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	sb_init(&data);
	for (size_t i = 0; i < n; i++) {
		char hex[2 * HASH_BYTES + 1];
		row_hash(key, prev, ++seq, rows[i].at, kind, rows[i].body, h);
		memcpy(prev, h, HASH_BYTES);
		sodium_bin2hex(hex, sizeof hex, h, HASH_BYTES);
		sb_printf(&data, "%lld\t%s\t%s\t", seq, rows[i].at, kind);
		copy_text(&data, rows[i].body);
		sb_printf(&data, "\t\\\\x%s\n", hex);
	}
	int rc = db_copy(conn, e, "COPY audit.log (seq, at, kind, body, hash) FROM STDIN",
			 data.data, data.len);
	sb_free(&data);
	if (rc < 0 || (own && db_run(conn, e, "COMMIT", 0, NULL) < 0)) {
		if (own)
			PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	return 0;
}

int audit_append(PGconn *conn, const uint8_t *key, const char *kind, const char *body,
		 struct wq_error *e)
{
	struct entry row;
	now_text(row.at);
	row.body = (char *)body;
	return chain_append(conn, key, kind, &row, 1, e);
}

int audit_verify(PGconn *conn, const uint8_t *key, long long *seq, long long *rows, char *why,
		 size_t whylen, struct wq_error *e)
{
	uint8_t prev[HASH_BYTES] = {0}, h[HASH_BYTES];
	PGresult *r = db_exec(conn, e,
			      "SELECT seq, to_char(at AT TIME ZONE 'UTC', "
			      "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), kind, body, hash "
			      "FROM audit.log ORDER BY seq",
			      0, NULL);
	if (!r)
		return -1;
	int rc = 0;
	long long expect = 1;
	*rows = PQntuples(r);
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		long long s = atoll(PQgetvalue(r, i, 0));
		size_t len;
		unsigned char *stored =
		    PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 4), &len);
		row_hash(key, prev, s, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
			 PQgetvalue(r, i, 3), h);
		if (s != expect) {
			*seq = expect;
			snprintf(why, whylen, "row %lld is missing (row %lld follows row %lld)",
				 expect, s, expect - 1);
			rc = 1;
		} else if (!stored || len != HASH_BYTES || sodium_memcmp(stored, h, HASH_BYTES)) {
			*seq = s;
			snprintf(why, whylen, "row %lld does not match its hash: it was altered",
				 s);
			rc = 1;
		}
		if (stored && len == HASH_BYTES)
			memcpy(prev, stored, HASH_BYTES); /* the chain as stored */
		PQfreemem(stored);
		expect = s + 1;
	}
	PQclear(r);
	return rc;
}

/* ---- the writer ---- */

static void *writer(void *arg)
{
	struct audit *a = arg;
	struct wq_error e;
	PGconn *conn = NULL;
	struct entry *batch = xcalloc(a->cap, sizeof *batch);
	for (;;) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)a->cfg->audit_flush_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&a->mu);
		if (!a->stopping && a->len < a->cap / 2)
			pthread_cond_timedwait(&a->cv, &a->mu, &until);
		size_t n = a->len;
		for (size_t i = 0; i < n; i++)
			batch[i] = a->ring[(a->head + i) % a->cap];
		a->head = (a->head + n) % a->cap;
		a->len = 0;
		int stop = a->stopping;
		pthread_mutex_unlock(&a->mu);
		while (n) {
			if (!conn || PQstatus(conn) != CONNECTION_OK) {
				PQfinish(conn);
				conn = db_connect(a->cfg, a->cfg->db_reader_user, &e);
			}
			if (conn && chain_append(conn, a->key, "query", batch, n, &e) == 0) {
				pthread_mutex_lock(&a->mu);
				a->written += n;
				pthread_mutex_unlock(&a->mu);
				break;
			}
			/* Kept and retried: an audit row is lost only when the queue overflows, or
			 * when the server stops with the database away (counted as dropped). */
			log_error("audit: %s: %s (retrying)", e.code, e.message);
			if (stop) {
				pthread_mutex_lock(&a->mu);
				a->dropped += n;
				pthread_mutex_unlock(&a->mu);
				break;
			}
			struct timespec pause = {1, 0};
			nanosleep(&pause, NULL);
		}
		for (size_t i = 0; i < n; i++)
			free(batch[i].body);
		if (stop)
			break;
	}
	free(batch);
	PQfinish(conn);
	return NULL;
}

struct audit *audit_start(const struct wq_config *cfg, const uint8_t *key)
{
	struct audit *a = xcalloc(1, sizeof *a);
	a->cfg = cfg;
	a->key = key;
	a->cap = (size_t)cfg->audit_queue;
	a->ring = xcalloc(a->cap, sizeof *a->ring);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	pthread_create(&a->thread, NULL, writer, a);
	return a;
}

void audit_stop(struct audit *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stopping = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	for (size_t i = 0; i < a->len; i++)
		free(a->ring[(a->head + i) % a->cap].body);
	if (a->dropped)
		log_error("audit: %lu rows were dropped (the queue was full)", a->dropped);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->ring);
	free(a);
}

void audit_query(struct audit *a, int token_id, const char *query, unsigned status, size_t cells,
		 double epsilon)
{
	struct entry en;
	json_t *j = json_pack("{s:i,s:s,s:i,s:I,s:f}", "token", token_id, "query", query, "status",
			      (int)status, "cells", (json_int_t)cells, "epsilon", epsilon);
	now_text(en.at);
	en.body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(j);
	pthread_mutex_lock(&a->mu);
	if (a->len == a->cap) {
		a->dropped++;
		free(en.body);
	} else {
		a->ring[(a->head + a->len) % a->cap] = en;
		a->len++;
		if (a->len >= a->cap / 2)
			pthread_cond_signal(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
}

unsigned long audit_dropped(struct audit *a)
{
	pthread_mutex_lock(&a->mu);
	unsigned long d = a->dropped;
	pthread_mutex_unlock(&a->mu);
	return d;
}

unsigned long audit_written(struct audit *a)
{
	pthread_mutex_lock(&a->mu);
	unsigned long w = a->written;
	pthread_mutex_unlock(&a->mu);
	return w;
}
