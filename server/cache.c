/* The answer cache (see cache.h): a chained hash table of entries, and a list of them by
 * use for the bound. One mutex: the work under it is a probe and a copy. */
#include "server/cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define BUCKETS 4096

struct entry {
	char *key;
	long long version;
	void *bytes;
	size_t len;
	struct entry *chain;	     /* the bucket's next */
	struct entry *newer, *older; /* by use */
};

struct answer_cache {
	pthread_mutex_t mu;
	struct entry *bucket[BUCKETS];
	struct entry *newest, *oldest;
	size_t bytes, entries, max_bytes;
};

struct answer_cache *cache_new(size_t max_bytes)
{
	struct answer_cache *c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	c->max_bytes = max_bytes;
	return c;
}

static size_t bucket_of(const char *key, long long version)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)version;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)(h % BUCKETS);
}

static size_t cost(const struct entry *e)
{
	return sizeof *e + strlen(e->key) + 1 + e->len;
}

static void unlink_use(struct answer_cache *c, struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void push_newest(struct answer_cache *c, struct entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
}

static void drop(struct answer_cache *c, struct entry *e)
{
	struct entry **p = &c->bucket[bucket_of(e->key, e->version)];
	while (*p != e)
		p = &(*p)->chain;
	*p = e->chain;
	unlink_use(c, e);
	c->bytes -= cost(e);
	c->entries--;
	free(e->key);
	free(e->bytes);
	free(e);
}

void cache_free(struct answer_cache *c)
{
	if (!c)
		return;
	while (c->oldest)
		drop(c, c->oldest);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static struct entry *find(struct answer_cache *c, const char *key, long long version)
{
	struct entry *e = c->bucket[bucket_of(key, version)];
	while (e && !(e->version == version && strcmp(e->key, key) == 0))
		e = e->chain;
	return e;
}

void *cache_get(struct answer_cache *c, const char *key, long long version, size_t *len)
{
	void *copy = NULL;
	pthread_mutex_lock(&c->mu);
	struct entry *e = find(c, key, version);
	if (e) {
		unlink_use(c, e);
		push_newest(c, e);
		copy = xmalloc(e->len ? e->len : 1);
		memcpy(copy, e->bytes, e->len);
		*len = e->len;
	}
	pthread_mutex_unlock(&c->mu);
	return copy;
}

int cache_fits(const struct answer_cache *c, size_t len)
{
	return len <= c->max_bytes / 4;
}

void cache_put(struct answer_cache *c, const char *key, long long version, const void *bytes,
	       size_t len)
{
	if (!cache_fits(c, len))
		return;
	struct entry *e = xcalloc(1, sizeof *e);
	e->key = xstrdup(key);
	e->version = version;
	e->bytes = xmalloc(len ? len : 1);
	memcpy(e->bytes, bytes, len);
	e->len = len;
	pthread_mutex_lock(&c->mu);
	struct entry *old = find(c, key, version);
	if (old)
		drop(c, old); /* the same answer, computed twice at once */
	size_t b = bucket_of(key, version);
	e->chain = c->bucket[b];
	c->bucket[b] = e;
	push_newest(c, e);
	c->bytes += cost(e);
	c->entries++;
	while (c->bytes > c->max_bytes && c->oldest != e)
		drop(c, c->oldest);
	pthread_mutex_unlock(&c->mu);
}
