/* Per-token token buckets (see rate.h): an open-addressed table by token id. Tokens are
 * few (an administrator issues them), so the table is fixed; were it ever full, a new
 * token would be admitted unlimited rather than refused for want of a slot. */
#include "common/rate.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/xalloc.h"

#define SLOTS 4096

struct bucket {
	int token_id; /* 0: free */
	double tokens, at;
};

struct rate_limit {
	double rate;
	pthread_mutex_t mu;
	struct bucket b[SLOTS];
};

struct rate_limit *rate_new(double per_second)
{
	if (per_second <= 0)
		return NULL;
	struct rate_limit *r = xcalloc(1, sizeof *r);
	r->rate = per_second;
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

int rate_take(struct rate_limit *r, int token_id, double now)
{
	if (!r || token_id <= 0)
		return 0;
	double burst = r->rate < 1 ? 1 : r->rate;
	int wait = 0;
	pthread_mutex_lock(&r->mu);
	struct bucket *b = NULL;
	for (unsigned i = 0, h = (unsigned)token_id * 2654435761u; i < SLOTS; i++) {
		struct bucket *c = &r->b[(h + i) % SLOTS];
		if (c->token_id == token_id || c->token_id == 0) {
			b = c;
			break;
		}
	}
	if (b) {
		if (b->token_id == 0)
			*b = (struct bucket){token_id, burst, now};
		b->tokens = fmin(burst, b->tokens + (now - b->at) * r->rate);
		b->at = now;
		if (b->tokens >= 1)
			b->tokens -= 1;
		else
			wait = (int)ceil((1 - b->tokens) / r->rate);
	}
	pthread_mutex_unlock(&r->mu);
	return wait;
}
