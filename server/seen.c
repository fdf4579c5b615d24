/* The cells tokens have paid for (see seen.h): per token an open-addressing set of cell
 * identities, which are keyed-hash outputs and hash themselves, and the ledger row it is
 * complete up to. Tokens in a list, most recently used first. One mutex: the work under it
 * is a walk of the tokens held and a few probes per cell (a token's first merge inserts
 * its whole history under it). */
#include "server/seen.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"

struct token_cells {
	int token;
	uint8_t (*set)[16]; /* cap slots, all-zero = empty */
	size_t cap, n;
	long long synced;
	double spent, budget;
	time_t spent_at;
	struct token_cells *prev, *next; /* by use */
};

struct seen {
	pthread_mutex_t lock;
	struct token_cells *first, *last;
	size_t bytes, tokens, max_bytes;
};

static const uint8_t zero[16];

struct seen *seen_new(size_t max_bytes)
{
	struct seen *s = xcalloc(1, sizeof *s);
	s->max_bytes = max_bytes;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

static void unlink_token(struct seen *s, struct token_cells *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		s->first = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		s->last = t->prev;
	t->prev = t->next = NULL;
}

static void drop(struct seen *s, struct token_cells *t)
{
	unlink_token(s, t);
	s->bytes -= t->cap * 16 + sizeof *t;
	s->tokens--;
	free(t->set);
	free(t);
}

void seen_free(struct seen *s)
{
	if (!s)
		return;
	while (s->first)
		drop(s, s->first);
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

static void put(struct seen *s, struct token_cells *t, const uint8_t *cell)
{
	if (!memcmp(cell, zero, 16) || has(t, cell))
		return;
	if (2 * (t->n + 1) > t->cap) {
		/* Grow to keep the load under a half. */
		size_t cap = t->cap ? 2 * t->cap : 1024;
		uint8_t(*old)[16] = t->set;
		size_t oldcap = t->cap;
		s->bytes += (cap - oldcap) * 16;
		t->set = xcalloc(cap, 16);
		t->cap = cap;
		t->n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (memcmp(old[i], zero, 16))
				put(s, t, old[i]);
		free(old);
	}
	size_t i = slot(cell, t->cap);
	while (memcmp(t->set[i], zero, 16))
		i = (i + 1) & (t->cap - 1);
	memcpy(t->set[i], cell, 16);
	t->n++;
}

/* Token's copy, made most recently used; created empty when make. */
static struct token_cells *find(struct seen *s, int token, int make)
{
	struct token_cells *t = s->first;
	while (t && t->token != token)
		t = t->next;
	if (!t && !make)
		return NULL;
	if (t) {
		unlink_token(s, t);
	} else {
		t = xcalloc(1, sizeof *t);
		t->token = token;
		s->bytes += sizeof *t;
		s->tokens++;
	}
	t->next = s->first;
	if (s->first)
		s->first->prev = t;
	s->first = t;
	if (!s->last)
		s->last = t;
	return t;
}

/* Past the bound, the least recently used copies leave (never keep's). */
static void trim(struct seen *s, const struct token_cells *keep)
{
	while (s->bytes > s->max_bytes && s->last && s->last != keep)
		drop(s, s->last);
}

int seen_covers(struct seen *s, int token, const uint8_t *cells, size_t n, double *spent,
		double *budget)
{
	int all = 1;
	time_t now = time(NULL);
	pthread_mutex_lock(&s->lock);
	struct token_cells *t = find(s, token, 0);
	if (!t || now - t->spent_at > SEEN_SPENT_SECONDS)
		all = 0;
	for (size_t i = 0; all && i < n; i++)
		all = has(t, cells + i * 16);
	if (all) {
		*spent = t->spent;
		*budget = t->budget;
	}
	pthread_mutex_unlock(&s->lock);
	return all;
}

/* Keeps the first of each identity among k, in order; returns how many remain. An
 * open-addressed set of their positions, probed by the identities' own first bytes. */
static size_t distinct(uint8_t *cells, size_t k)
{
	size_t cap = 16, u = 0;
	while (cap < 2 * k)
		cap <<= 1;
	uint32_t *at = xcalloc(cap, sizeof *at); /* position + 1; 0 = empty */
	for (size_t i = 0; i < k; i++) {
		const uint8_t *c = cells + 16 * i;
		for (size_t h = slot(c, cap);; h = (h + 1) & (cap - 1)) {
			if (!at[h]) {
				memmove(cells + 16 * u, c, 16);
				at[h] = (uint32_t)++u;
				break;
			}
			if (!memcmp(cells + 16 * (at[h] - 1), c, 16))
				break;
		}
	}
	free(at);
	return u;
}

size_t seen_fresh(struct seen *s, int token, const uint8_t *cells, size_t n, uint8_t *fresh,
		  long long *synced)
{
	size_t k = 0;
	pthread_mutex_lock(&s->lock);
	struct token_cells *t = find(s, token, 1);
	for (size_t i = 0; i < n; i++)
		if (!has(t, cells + i * 16) && memcmp(cells + i * 16, zero, 16))
			memcpy(fresh + 16 * k++, cells + i * 16, 16);
	*synced = t->synced;
	trim(s, t);
	pthread_mutex_unlock(&s->lock);
	/* Each once: a cell twice in one answer is one cell of the ledger. */
	return distinct(fresh, k);
}

void seen_merge(struct seen *s, int token, long long after, long long last, const uint8_t *cells,
		size_t n)
{
	pthread_mutex_lock(&s->lock);
	struct token_cells *t = find(s, token, 0);
	if (t && t->synced >= after) {
		for (size_t i = 0; i < n; i++)
			put(s, t, cells + i * 16);
		if (last > t->synced)
			t->synced = last;
		trim(s, t);
	}
	pthread_mutex_unlock(&s->lock);
}

void seen_spent(struct seen *s, int token, double spent, double budget)
{
	pthread_mutex_lock(&s->lock);
	struct token_cells *t = find(s, token, 1); /* new: complete up to row 0, no cell */
	t->spent = spent;
	t->budget = budget;
	t->spent_at = time(NULL);
	trim(s, t);
	pthread_mutex_unlock(&s->lock);
}

void seen_size(struct seen *s, size_t *bytes, size_t *tokens)
{
	pthread_mutex_lock(&s->lock);
	*bytes = s->bytes;
	*tokens = s->tokens;
	pthread_mutex_unlock(&s->lock);
}
