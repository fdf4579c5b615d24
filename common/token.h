/* Bearer tokens and roles (api.md "Auth"), shared by wiqaya-server and the intake: a token
 * is 32 random bytes shown once as "wq_" and 43 base64url characters; the database holds
 * only its keyed hash (BLAKE2b under the token key, [keys] token_key), looked up through
 * auth.lookup() and compared in constant time. Nothing here logs or returns a token. */
#ifndef WQ_TOKEN_H
#define WQ_TOKEN_H

#include <libpq-fe.h>
#include <stdint.h>

#include "common/error.h"

#define TOKEN_SECRET_BYTES 32
#define TOKEN_TEXT_LEN	   46 /* "wq_" + 43 */
#define TOKEN_HASH_BYTES   32

/* Roles as bits, so that a route lists the roles it admits as a mask. ROLE_PUBLIC is a
 * request without a token. */
enum role {
	ROLE_PUBLIC = 1,
	ROLE_SUBMITTER = 2,
	ROLE_RESEARCHER = 4,
	ROLE_POLICY = 8,
	ROLE_ADMIN = 16,
	ROLE_MONITOR = 32, /* reads /metrics and nothing else: Prometheus's token */
};

const char *role_name(enum role r);
int role_parse(const char *name, enum role *out); /* 0, or -1 for an unknown name */

/* Who is asking: the public (token_id 0) or a token's holder. */
struct principal {
	int token_id;
	enum role role;
	char agency[32]; /* a submitter's agency code; "" otherwise */
};

/* A new token: its text (NUL-terminated) and its keyed hash. */
void token_new(const uint8_t *key, char text[TOKEN_TEXT_LEN + 1], uint8_t hash[TOKEN_HASH_BYTES]);

/* Tokens already checked, by keyed hash, so that a request need not ask the database
 * again. Entries are trusted only while the server hears of every token change: whoever
 * watches NOTIFY wiqaya_tokens (sent by token add, revoke) calls token_cache_invalidate
 * on each, and with live = 0 whenever it may have missed one (its connection is down);
 * the cache then stays empty until live again. An entry also ends at its token's expiry.
 * Bounded (TOKEN_CACHE_ENTRIES); unknown tokens are never kept.
 *
 * Hearing is not enough: a change committed just before a request may still be on its way
 * to the watcher (its backend not yet scheduled to send it). So a remembered token is
 * trusted only after a round trip that began after the request did, on the connection of
 * the thread that checks it, which LISTENs too (token_cache_listen): a read barrier, since
 * PostgreSQL sends the notifications it holds before it answers. On the thread's own
 * connection it costs that thread one round trip; on the watcher's, shared by the
 * requests waiting for it, each request slept and woke twice more, and a repeated answer
 * ran at 0.7 x /healthz's rate instead of about 1 x (docs/architecture.md). */
#define TOKEN_CACHE_ENTRIES    1024
#define TOKEN_CACHE_BARRIER_MS 1000
struct token_cache;
struct token_cache *token_cache_new(void);
void token_cache_free(struct token_cache *c);
void token_cache_invalidate(struct token_cache *c, int live);
/* Readies conn, a connection of a thread that checks tokens, for the read barrier: LISTEN
 * wiqaya_tokens, then every entry forgotten (a change committed before the LISTEN is
 * never heard on conn). 0, or -1 with e set. */
int token_cache_listen(struct token_cache *c, PGconn *conn, struct wq_error *e);
/* Acts on the notifications libpq has read on such a connection: a token change forgets
 * every entry. */
void token_cache_hear(struct token_cache *c, PGconn *conn);
/* Tokens answered from the cache so far (/metrics). */
unsigned long token_cache_hits(struct token_cache *c);

/* The keyed hash of an Authorization header value's bearer token. 0, or -1 with e set
 * (T1001 not "Bearer <token>", T1002 not a token): both a 401. */
int token_hash(const uint8_t *key, const char *authorization, uint8_t hash[TOKEN_HASH_BYTES],
	       struct wq_error *e);
/* The principal of a token's keyed hash: from the cache (which may be NULL) past its read
 * barrier on conn, a connection readied by token_cache_listen when there is a cache,
 * otherwise from the database on conn, then kept in the cache. Returns 0, or -1 with e
 * set and the reason (T1003 unknown, T1004 revoked, T1005 expired: a 401; T1006 the
 * database could not answer: conn NULL, failing, slower than the barrier's bound, or
 * inside a transaction: a 503). */
int token_check(PGconn *conn, struct token_cache *cache, const uint8_t hash[TOKEN_HASH_BYTES],
		struct principal *p, struct wq_error *e);
/* Looks up no token on conn: a new connection's first lookup reads the catalogue and plans
 * (about a millisecond), done before a request waits for it (http_options db_warm). */
void token_warm(PGconn *conn);

#endif
