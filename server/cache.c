/* The answer cache (see cache.h): a fixed table of entries, found by a hash of the key and
 * replaced in turn (a clock without reference bits: simple, and bounded). */
#include "server/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

struct entry {
	char *key;
	long long version;
	struct answer a; /* cells owned by the entry */
	uint8_t *ids;
	size_t nids;
};

struct answer_cache {
	pthread_mutex_t mu;
	struct entry e[CACHE_ENTRIES];
	size_t hand;
};

struct answer_cache *cache_new(void)
{
	struct answer_cache *c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void drop(struct entry *en)
{
	free(en->key);
	free(en->a.cells);
	free(en->ids);
	memset(en, 0, sizeof *en);
}

void cache_free(struct answer_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CACHE_ENTRIES; i++)
		drop(&c->e[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void *dup(const void *p, size_t n)
{
	void *q = xmalloc(n ? n : 1);
	memcpy(q, p, n);
	return q;
}

static struct entry *find(struct answer_cache *c, const char *key, long long version)
{
	for (size_t i = 0; i < CACHE_ENTRIES; i++)
		if (c->e[i].key && c->e[i].version == version && strcmp(c->e[i].key, key) == 0)
			return &c->e[i];
	return NULL;
}

int cache_get(struct answer_cache *c, const char *key, long long version, struct answer *a,
	      uint8_t **ids, size_t *nids)
{
	pthread_mutex_lock(&c->mu);
	struct entry *en = find(c, key, version);
	if (en) {
		*a = en->a;
		a->cells = dup(en->a.cells, en->a.n * sizeof *a->cells);
		*ids = dup(en->ids, en->nids * 16);
		*nids = en->nids;
	}
	pthread_mutex_unlock(&c->mu);
	return en ? 0 : -1;
}

void cache_put(struct answer_cache *c, const char *key, long long version, const struct answer *a,
	       const uint8_t *ids, size_t nids)
{
	if (a->n > CACHE_MAX_CELLS)
		return;
	pthread_mutex_lock(&c->mu);
	if (!find(c, key, version)) {
		/* An entry of an older version first, else the next in turn. */
		struct entry *en = NULL;
		for (size_t i = 0; i < CACHE_ENTRIES && !en; i++)
			if (!c->e[i].key || c->e[i].version < version)
				en = &c->e[i];
		if (!en) {
			en = &c->e[c->hand];
			c->hand = (c->hand + 1) % CACHE_ENTRIES;
		}
		drop(en);
		en->key = xstrdup(key);
		en->version = version;
		en->a = *a;
		en->a.cells = dup(a->cells, a->n * sizeof *a->cells);
		en->ids = dup(ids, nids * 16);
		en->nids = nids;
	}
	pthread_mutex_unlock(&c->mu);
}
