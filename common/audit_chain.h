/* The audit hash chain (api.md: every query and every submission audited): rows of
 * audit.log, each carrying a keyed BLAKE2b of the previous row's hash and its own content,
 * so that an edited or deleted row is found by audit_verify. Both servers append to the
 * one chain under one advisory lock: wiqaya-server its queries and token changes, the
 * intake its submissions. The chain's key is a subkey of the token key, which both hold
 * (the intake holds no server key, the server no pseudonym key). No identifier and no
 * token in any row. */
#ifndef WQ_AUDIT_CHAIN_H
#define WQ_AUDIT_CHAIN_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define AUDIT_KEY_BYTES 32

/* One row to append: its time (audit_now) and its canonical JSON body. */
struct audit_row {
	char at[32];
	char *body;
};

/* The chain's key from the token key (crypto_kdf; out is AUDIT_KEY_BYTES). */
void audit_chain_key(const uint8_t token_key[32], uint8_t out[AUDIT_KEY_BYTES]);

/* Now as the chain writes it: 2026-12-01T16:20:55.740123Z (UTC, microseconds). */
void audit_now(char out[32]);

/* Appends n rows of KIND ('query', 'token', 'submission') under the chain lock: in the
 * caller's open transaction if any (a change and its row commit together), else in one of
 * its own. 0, or -1 with e set. */
int audit_append_rows(PGconn *conn, const uint8_t *key, const char *kind,
		      const struct audit_row *rows, size_t n, struct wq_error *e);

/* One row, now. */
int audit_append(PGconn *conn, const uint8_t *key, const char *kind, const char *body,
		 struct wq_error *e);

/* Checks the chain. Returns 0 when every row holds; 1 with *seq the first broken row and
 * why its reason; -1 with e set on a database failure. rows: how many were read. */
int audit_verify(PGconn *conn, const uint8_t *key, long long *seq, long long *rows, char *why,
		 size_t whylen, struct wq_error *e);

#endif
