/* Per-token request rates ([limits] rate_per_token): a token bucket per token, refilled at
 * the rate and holding one second's worth, so that a client may burst a second's requests
 * and then keeps to the rate. The HTTP core asks it after the token check. */
#ifndef WQ_RATE_H
#define WQ_RATE_H

struct rate_limit;

/* NULL when rate <= 0 (no limit). */
struct rate_limit *rate_new(double per_second);
void rate_free(struct rate_limit *r);

/* Takes one request of TOKEN_ID at time NOW (seconds): 0 when admitted, else the whole
 * seconds until it would be (the Retry-After). */
int rate_take(struct rate_limit *r, int token_id, double now);

#endif
