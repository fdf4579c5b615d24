/* Answers kept as bytes by (key, data version): the protected table of a query, with the
 * identities of its cells (protect.c: a repeated query skips its scan or SQL; the budget is
 * still charged per token from the identities), and an answer rendered for one format and
 * language with the asker's part left out (respond.h: a repeat is served without building
 * anything). Sticky noise makes a kept answer identical to a fresh one. Server-side only:
 * nothing here is sent but the rendered bodies. Bounded by bytes ([server] cache_mb),
 * least recently used out; a new data version makes older entries unreachable, and they
 * age out. */
#ifndef WQ_CACHE_H
#define WQ_CACHE_H

#include <stddef.h>

struct answer_cache;

struct answer_cache *cache_new(size_t max_bytes);
void cache_free(struct answer_cache *c);

/* A copy of the bytes kept under (key, version) (malloc'd, *len of them), or NULL. */
void *cache_get(struct answer_cache *c, const char *key, long long version, size_t *len);
/* Whether len bytes would be kept: not larger than a quarter of the bound. */
int cache_fits(const struct answer_cache *c, size_t len);
/* Keeps a copy of bytes[0..len) under (key, version); nothing unless it fits. */
void cache_put(struct answer_cache *c, const char *key, long long version, const void *bytes,
	       size_t len);

#endif
