/* The cells tokens have paid for (see seen.h): per token an open-addressing set of cell
 * identities, which are BLAKE2b outputs and hash themselves. One mutex: the work under it
 * is a few probes per cell. */
#include "server/seen.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"

struct token_cells {
	int token, used;    /* used: 0 for a free slot */
	uint8_t (*set)[16]; /* cap slots, all-zero = empty */
	size_t cap, n;
	double spent, budget;
	time_t spent_at, last;
};

struct seen {
	pthread_mutex_t lock;
	struct token_cells t[SEEN_TOKENS];
};

static const uint8_t zero[16];

struct seen *seen_new(void)
{
	struct seen *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void seen_free(struct seen *s)
{
	if (!s)
		return;
	for (int i = 0; i < SEEN_TOKENS; i++)
		free(s->t[i].set);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static size_t slot(const uint8_t *cell, size_t cap)
{
	uint64_t h;
	memcpy(&h, cell, sizeof h);
	return (size_t)(h & (cap - 1));
}

static int has(const struct token_cells *t, const uint8_t *cell)
{
	if (!t->cap)
		return 0;
	for (size_t i = slot(cell, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (!memcmp(t->set[i], cell, 16))
			return 1;
		if (!memcmp(t->set[i], zero, 16))
			return 0;
	}
}

static void put(struct token_cells *t, const uint8_t *cell)
{
	if (!memcmp(cell, zero, 16) || has(t, cell) || t->n >= SEEN_CELLS)
		return;
	if (2 * (t->n + 1) > t->cap) {
		/* Grow to keep the load under a half. */
		size_t cap = t->cap ? 2 * t->cap : 1024;
		uint8_t(*old)[16] = t->set;
		size_t oldcap = t->cap;
		t->set = xcalloc(cap, 16);
		t->cap = cap;
		t->n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (memcmp(old[i], zero, 16))
				put(t, old[i]);
		free(old);
	}
	size_t i = slot(cell, t->cap);
	while (memcmp(t->set[i], zero, 16))
		i = (i + 1) & (t->cap - 1);
	memcpy(t->set[i], cell, 16);
	t->n++;
}

static struct token_cells *find(struct seen *s, int token)
{
	for (int i = 0; i < SEEN_TOKENS; i++)
		if (s->t[i].used && s->t[i].token == token)
			return &s->t[i];
	return NULL;
}

int seen_covers(struct seen *s, int token, const uint8_t *cells, size_t n, double *spent,
		double *budget)
{
	int all = 1;
	time_t now = time(NULL);
	pthread_mutex_lock(&s->lock);
	struct token_cells *t = find(s, token);
	if (!t || now - t->spent_at > SEEN_SPENT_SECONDS)
		all = 0;
	for (size_t i = 0; all && i < n; i++)
		all = has(t, cells + i * 16);
	if (all) {
		*spent = t->spent;
		*budget = t->budget;
		t->last = now;
	}
	pthread_mutex_unlock(&s->lock);
	return all;
}

void seen_add(struct seen *s, int token, const uint8_t *cells, size_t n, double spent,
	      double budget)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&s->lock);
	struct token_cells *t = find(s, token);
	if (!t) {
		/* A free slot, or the least recently used token's. */
		t = &s->t[0];
		for (int i = 0; i < SEEN_TOKENS && t->used; i++)
			if (!s->t[i].used || s->t[i].last < t->last)
				t = &s->t[i];
		free(t->set);
		memset(t, 0, sizeof *t);
		t->used = 1;
		t->token = token;
	}
	for (size_t i = 0; i < n; i++)
		put(t, cells + i * 16);
	t->spent = spent;
	t->budget = budget;
	t->spent_at = t->last = now;
	pthread_mutex_unlock(&s->lock);
}
