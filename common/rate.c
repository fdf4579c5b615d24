/* Keyed token buckets (see rate.h): an open-addressed table of fixed size. */
#include "common/rate.h"

#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define SLOTS 4096

struct bucket {
	uint64_t key; /* 0: free */
	double tokens, at;
};

struct rate_limit {
	double rate, burst;
	pthread_mutex_t mu;
	struct bucket b[SLOTS];
};

struct rate_limit *rate_new(double per_second, double burst)
{
	if (per_second <= 0)
		return NULL;
	struct rate_limit *r = xcalloc(1, sizeof *r);
	r->rate = per_second;
	r->burst = burst < 1 ? 1 : burst;
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void rate_free(struct rate_limit *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

uint64_t rate_key(const char *text)
{
	unsigned char a[16];
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text);
	if (inet_pton(AF_INET6, text, a) == 1) {
		p = a;
		n = 8; /* the /64 */
	}
	uint64_t h = 14695981039346656037u; /* FNV-1a: spreads addresses over the table */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return h ? h : 1;
}

static double level(const struct rate_limit *r, const struct bucket *b, double now)
{
	return fmin(r->burst, b->tokens + (now - b->at) * r->rate);
}

/* KEY's bucket, made when missing in a free or refilled slot, or else in the fullest
 * (the key whose limit bites least): a table full of keys active lately never refuses a
 * new one, so many clients cannot lock out the next. Under the lock. */
static struct bucket *bucket_of(struct rate_limit *r, uint64_t key, double now)
{
	struct bucket *spare = NULL, *fullest = NULL;
	uint64_t h = key * 11400714819323198485u;
	for (unsigned i = 0; i < SLOTS; i++) {
		struct bucket *c = &r->b[(h + i) % SLOTS];
		if (c->key == key)
			return c;
		if (!spare && (c->key == 0 || level(r, c, now) >= r->burst))
			spare = c;
		if (!fullest || level(r, c, now) > level(r, fullest, now))
			fullest = c;
		if (c->key == 0)
			break; /* the key would have been placed here or before */
	}
	/* A reused slot may sit before the key's own: the probe above runs to the first free
	 * slot, so the key is found wherever it was placed (slots are never emptied). */
	if (!spare)
		spare = fullest;
	*spare = (struct bucket){key, r->burst, now};
	return spare;
}

static int take(struct rate_limit *r, uint64_t key, double now, int really)
{
	if (!r || key == 0)
		return 0;
	int wait = 0;
	pthread_mutex_lock(&r->mu);
	struct bucket *b = bucket_of(r, key, now);
	b->tokens = level(r, b, now);
	b->at = now;
	if (b->tokens >= 1) {
		if (really)
			b->tokens -= 1;
	} else {
		wait = (int)ceil((1 - b->tokens) / r->rate);
	}
	pthread_mutex_unlock(&r->mu);
	return wait;
}

int rate_take(struct rate_limit *r, uint64_t key, double now)
{
	return take(r, key, now, 1);
}

int rate_wait(struct rate_limit *r, uint64_t key, double now)
{
	return take(r, key, now, 0);
}
