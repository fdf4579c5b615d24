/* Token buckets by key, for the HTTP core's two rates: requests per token ([limits]
 * rate_per_token, keyed by token id, a second's worth of burst) and failed
 * authentications per client ([limits] auth_failures_per_minute, keyed by a hash of the
 * client's address, a minute's worth of burst). A bucket refilled to its burst is as good
 * as none, so its slot is reused: the table holds only the keys active lately. */
#ifndef WQ_RATE_H
#define WQ_RATE_H

#include <stdint.h>

struct rate_limit;

/* NULL when per_second <= 0 (no limit). burst: the most taken at once (at least 1). */
struct rate_limit *rate_new(double per_second, double burst);
void rate_free(struct rate_limit *r);

/* Takes one for KEY at time NOW (seconds): 0 when admitted, else the whole seconds until
 * it would be (the Retry-After). Key 0 is never limited. With every slot held by a key
 * active within its burst's refill time, a new key takes the fullest one's slot. */
int rate_take(struct rate_limit *r, uint64_t key, double now);
/* The wait rate_take would answer, without taking. */
int rate_wait(struct rate_limit *r, uint64_t key, double now);

/* A key for a client's address: an IPv6 address by its /64 (one subscriber's, who can
 * use any address of it); anything else by its text. */
uint64_t rate_key(const char *text);

#endif
