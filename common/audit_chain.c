/* The audit hash chain (see audit_chain.h). */
#include "common/audit_chain.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/copy.h"
#include "common/db.h"
#include "common/strbuf.h"

#define HASH_BYTES 32
/* The advisory lock every appender takes (the server's writer, the token commands, the
 * intake), so that the chain has one order. */
#define CHAIN_LOCK "7305420001"

static const char context[crypto_kdf_CONTEXTBYTES] = {'W', 'Q', 'A', 'U', 'D', 'I', 'T', '1'};

void audit_chain_key(const uint8_t token_key[32], uint8_t out[AUDIT_KEY_BYTES])
{
	crypto_kdf_derive_from_key(out, AUDIT_KEY_BYTES, 1, context, token_key);
}

void audit_now(char out[32])
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
	    db_exec(conn, e, "SELECT seq, hash FROM audit.tail() WHERE seq IS NOT NULL", 0, NULL);
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

int audit_append_rows(PGconn *conn, const uint8_t *key, const char *kind,
		      const struct audit_row *rows, size_t n, struct wq_error *e)
{
	uint8_t prev[HASH_BYTES], h[HASH_BYTES];
	long long seq;
	struct strbuf data;
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
	struct audit_row row;
	audit_now(row.at);
	row.body = (char *)body;
	return audit_append_rows(conn, key, kind, &row, 1, e);
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
