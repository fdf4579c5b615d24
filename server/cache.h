/* Protected answers by (normalised query, data version). Sticky noise makes a cached
 * protected table identical to a fresh one, so a repeated query skips its SQL; the budget
 * is still charged per token, from the cell identities kept with the entry. Server-side
 * only: nothing here is sent. Bounded (entries and cells); a new data version makes every
 * older entry unreachable, and they are replaced as new ones arrive. */
#ifndef WQ_CACHE_H
#define WQ_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "server/protect.h"

#define CACHE_ENTRIES	512
#define CACHE_MAX_CELLS 20000 /* a larger answer is not kept */

struct answer_cache;

struct answer_cache *cache_new(void);
void cache_free(struct answer_cache *c);

/* A copy of the entry for (key, version) into a (cells malloc'd) and its identities into
 * *ids (malloc'd, *nids of 16 bytes); 0, or -1 when there is none. */
int cache_get(struct answer_cache *c, const char *key, long long version, struct answer *a,
	      uint8_t **ids, size_t *nids);
/* Keeps a copy of a and its identities under (key, version). */
void cache_put(struct answer_cache *c, const char *key, long long version, const struct answer *a,
	       const uint8_t *ids, size_t nids);

#endif
