/* Tokens and roles (see token.h). */
#include "common/token.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/xalloc.h"

static const char *const names[] = {"public", "submitter", "researcher",
				    "policy", "admin",	   "monitor"};

const char *role_name(enum role r)
{
	for (int i = 0; i < 6; i++)
		if ((unsigned)r == 1u << i)
			return names[i];
	return "?";
}

int role_parse(const char *name, enum role *out)
{
	for (int i = 0; i < 6; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum role)(1 << i);
			return 0;
		}
	return -1;
}

static void hash_secret(const uint8_t *key, const uint8_t secret[TOKEN_SECRET_BYTES],
			uint8_t hash[TOKEN_HASH_BYTES])
{
	crypto_generichash(hash, TOKEN_HASH_BYTES, secret, TOKEN_SECRET_BYTES, key, 32);
}

void token_new(const uint8_t *key, char text[TOKEN_TEXT_LEN + 1], uint8_t hash[TOKEN_HASH_BYTES])
{
	uint8_t secret[TOKEN_SECRET_BYTES];
	if (sodium_init() < 0)
		abort();
	randombytes_buf(secret, sizeof secret);
	memcpy(text, "wq_", 3);
	sodium_bin2base64(text + 3, TOKEN_TEXT_LEN - 2, secret, sizeof secret,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	hash_secret(key, secret, hash);
	sodium_memzero(secret, sizeof secret);
}

/* ---- the cache ---- */

struct cached_token {
	uint8_t hash[TOKEN_HASH_BYTES];
	struct principal who;
	time_t expires;	   /* 0: never */
	unsigned long gen; /* the generation it was read in; 0: empty */
};

struct token_cache {
	pthread_mutex_t lock;
	unsigned long gen; /* bumped by every invalidation */
	int live;
	unsigned long hits; /* tokens answered from the cache */
	struct cached_token slot[TOKEN_CACHE_ENTRIES];
};

struct token_cache *token_cache_new(void)
{
	struct token_cache *c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	c->gen = 1;
	return c;
}

void token_cache_free(struct token_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	sodium_memzero(c, sizeof *c);
	free(c);
}

void token_cache_invalidate(struct token_cache *c, int live)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->gen++;
	c->live = live;
	pthread_mutex_unlock(&c->lock);
}

/* Every entry forgotten, the cache as live as it was. */
static void forget(struct token_cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->gen++;
	pthread_mutex_unlock(&c->lock);
}

int token_cache_listen(struct token_cache *c, PGconn *conn, struct wq_error *e)
{
	if (db_run(conn, e, "LISTEN wiqaya_tokens", 0, NULL) < 0)
		return -1;
	/* A change committed before the LISTEN is never heard on conn. */
	forget(c);
	return 0;
}

void token_cache_hear(struct token_cache *c, PGconn *conn)
{
	PGnotify *n;
	while ((n = PQnotifies(conn))) {
		if (!strcmp(n->relname, "wiqaya_tokens"))
			forget(c);
		PQfreemem(n);
	}
}

/* The read barrier: a round trip on conn begun now, after the request arrived, on a
 * connection listening since before any entry a request may use was read. PostgreSQL
 * sends the notifications it holds before it answers, so once the answer is in, every
 * change committed before the request has been heard. 0, or -1 when conn did not answer
 * within TOKEN_CACHE_BARRIER_MS (a stopped backend, a network gone quiet: the caller
 * makes the connection again). */
static int barrier(struct token_cache *c, PGconn *conn)
{
	if (!PQsendQuery(conn, ""))
		return -1;
	double until = clock_now() + TOKEN_CACHE_BARRIER_MS / 1000.0;
	while (PQisBusy(conn)) {
		struct pollfd in = {PQsocket(conn), POLLIN, 0};
		int left = (int)((until - clock_now()) * 1000) + 1;
		int ready = left > 0 ? poll(&in, 1, left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0 || !PQconsumeInput(conn))
			return -1;
	}
	int ok = db_results_are(conn, PGRES_EMPTY_QUERY);
	token_cache_hear(c, conn);
	return ok ? 0 : -1;
}

static struct cached_token *slot_of(struct token_cache *c, const uint8_t *hash)
{
	unsigned i;
	memcpy(&i, hash, sizeof i);
	return &c->slot[i % TOKEN_CACHE_ENTRIES];
}

/* Under the lock: whether slot s holds hash, current and unexpired. */
static int holds(const struct token_cache *c, const struct cached_token *s, const uint8_t *hash)
{
	return c->live && s->gen == c->gen && sodium_memcmp(s->hash, hash, TOKEN_HASH_BYTES) == 0 &&
	       (!s->expires || time(NULL) < s->expires);
}

/* 1 and *p when hash is cached and current past the read barrier on conn (the cache is
 * asked again after it: a change heard meanwhile ends the entry), 0 when not, -1 when the
 * barrier failed. The barrier runs outside the lock: each thread on its own connection. */
static int remembered(struct token_cache *c, PGconn *conn, const uint8_t *hash, struct principal *p)
{
	pthread_mutex_lock(&c->lock);
	int held = holds(c, slot_of(c, hash), hash);
	pthread_mutex_unlock(&c->lock);
	if (!held)
		return 0;
	if (barrier(c, conn) < 0)
		return -1;
	int hit = 0;
	pthread_mutex_lock(&c->lock);
	struct cached_token *s = slot_of(c, hash);
	if (holds(c, s, hash)) {
		*p = s->who;
		hit = 1;
		c->hits++;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

unsigned long token_cache_hits(struct token_cache *c)
{
	pthread_mutex_lock(&c->lock);
	unsigned long hits = c->hits;
	pthread_mutex_unlock(&c->lock);
	return hits;
}

/* The generation a database read made now is stored under (0: the cache is off). */
static unsigned long generation(struct token_cache *c)
{
	pthread_mutex_lock(&c->lock);
	unsigned long gen = c->live ? c->gen : 0;
	pthread_mutex_unlock(&c->lock);
	return gen;
}

/* Keeps a token read in generation gen, unless a change was heard since. */
static void remember(struct token_cache *c, const uint8_t *hash, const struct principal *p,
		     time_t expires, unsigned long gen)
{
	pthread_mutex_lock(&c->lock);
	if (gen && c->live && gen == c->gen) {
		struct cached_token *s = slot_of(c, hash);
		memcpy(s->hash, hash, TOKEN_HASH_BYTES);
		s->who = *p;
		s->expires = expires;
		s->gen = gen;
	}
	pthread_mutex_unlock(&c->lock);
}

/* ---- the check ---- */

int token_hash(const uint8_t *key, const char *authorization, uint8_t hash[TOKEN_HASH_BYTES],
	       struct wq_error *e)
{
	uint8_t secret[TOKEN_SECRET_BYTES];
	size_t n = 0;
	const char *end = NULL;
	if (strncasecmp(authorization, "Bearer ", 7) != 0) {
		err_set(e, "T1001", "the Authorization header is not \"Bearer <token>\"");
		err_hint(e, "Send Authorization: Bearer wq_...; a token is never a URL parameter.");
		return -1;
	}
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	if (strlen(t) != TOKEN_TEXT_LEN || strncmp(t, "wq_", 3) != 0 ||
	    sodium_base642bin(secret, sizeof secret, t + 3, TOKEN_TEXT_LEN - 3, NULL, &n, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof secret || *end) {
		sodium_memzero(secret, sizeof secret);
		err_set(e, "T1002", "the bearer token is not a Wiqaya token");
		return -1;
	}
	hash_secret(key, secret, hash);
	sodium_memzero(secret, sizeof secret);
	return 0;
}

/* The database's row for hash (none when it is no token's). */
static PGresult *lookup(PGconn *conn, const uint8_t hash[TOKEN_HASH_BYTES], struct wq_error *e)
{
	char hex[2 * TOKEN_HASH_BYTES + 3] = "\\x";
	sodium_bin2hex(hex + 2, sizeof hex - 2, hash, TOKEN_HASH_BYTES);
	const char *params[] = {hex};
	return db_exec(conn, e,
		       "SELECT token_id, role, coalesce(agency, ''), hash, "
		       "revoked_at IS NOT NULL, coalesce(expires_at <= now(), false), "
		       "coalesce(ceil(extract(epoch FROM expires_at)), 0)::bigint "
		       "FROM auth.lookup($1::bytea)",
		       1, params);
}

void token_warm(PGconn *conn)
{
	struct wq_error e;
	uint8_t none[TOKEN_HASH_BYTES] = {0}; /* (what it finds is not used) */
	PQclear(lookup(conn, none, &e));
}

int token_check(PGconn *conn, struct token_cache *cache, const uint8_t hash[TOKEN_HASH_BYTES],
		struct principal *p, struct wq_error *e)
{
	memset(p, 0, sizeof *p);
	p->role = ROLE_PUBLIC;
	/* The cache past its barrier, else the database, kept in the cache under the
	 * generation read before it. Never inside a transaction: notifications wait for its
	 * end, and its snapshot may be older than a revocation. */
	int hit = 0;
	if (!conn || PQtransactionStatus(conn) != PQTRANS_IDLE ||
	    (cache && (hit = remembered(cache, conn, hash, p)) < 0)) {
		err_set(e, "T1006", "tokens cannot be checked: the database is unavailable");
		return -1;
	}
	if (hit)
		return 0;
	unsigned long gen = cache ? generation(cache) : 0;

	PGresult *r = lookup(conn, hash, e);
	if (!r) {
		err_set(e, "T1006", "tokens cannot be checked: the database is unavailable");
		return -1;
	}
	size_t stored_len = 0;
	unsigned char *stored =
	    PQntuples(r) == 1
		? PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 3), &stored_len)
		: NULL;
	/* The lookup is by an index on the keyed hash; the comparison that decides is here,
	 * in constant time. */
	int match = stored && stored_len == TOKEN_HASH_BYTES &&
		    sodium_memcmp(stored, hash, TOKEN_HASH_BYTES) == 0;
	PQfreemem(stored);
	int rc = -1;
	if (!match)
		err_set(e, "T1003", "unknown token");
	else if (PQgetvalue(r, 0, 4)[0] == 't')
		err_set(e, "T1004", "this token has been revoked");
	else if (PQgetvalue(r, 0, 5)[0] == 't')
		err_set(e, "T1005", "this token has expired");
	else if (role_parse(PQgetvalue(r, 0, 1), &p->role) < 0 || p->role == ROLE_PUBLIC)
		err_set(e, "T1003", "unknown token");
	else {
		p->token_id = atoi(PQgetvalue(r, 0, 0));
		snprintf(p->agency, sizeof p->agency, "%s", PQgetvalue(r, 0, 2));
		if (cache)
			remember(cache, hash, p, (time_t)atoll(PQgetvalue(r, 0, 6)), gen);
		rc = 0;
	}
	if (rc < 0) {
		p->role = ROLE_PUBLIC;
		p->token_id = 0;
	}
	PQclear(r);
	return rc;
}
