/* The arithmetic of disclosure control (docs/privacy.md, docs/methods.md): the discrete
 * Laplace noise of a cell drawn from a keyed PRF, its variance, the suppression and
 * reliability rules, and intervals that carry the noise. Pure functions: no database, no
 * HTTP, no global state; the keys come from the caller. */
#ifndef WQ_DISCLOSURE_H
#define WQ_DISCLOSURE_H

#include <stddef.h>
#include <stdint.h>

#include "stats/proportion.h"

#define DISCLOSURE_KEY_BYTES 32

/* The uniform variate in (0, 1) of a keyed PRF (BLAKE2b under key) of msg: the same msg
 * always gives the same variate; without the key it cannot be predicted. */
double dl_uniform(const uint8_t key[DISCLOSURE_KEY_BYTES], const void *msg, size_t len);
/* The same from the keyed hash's 8 bytes (for a caller hashing the message in parts). */
double dl_uniform_of(const uint8_t h[8]);

/* The discrete Laplace (two-sided geometric) value of scale b at uniform u, by inversion:
 * P(N = k) = (1 - p) / (1 + p) p^|k|, p = exp(-1/b). */
long dl_draw(double u, double b);

/* Its variance, 2p / (1 - p)^2 (7.83 at b = 2). */
double dl_variance(double b);

/* The rules of a published count (disclosure.md, "Suppression"). */
struct suppression {
	int floor;     /* true counts below it are suppressed */
	int threshold; /* noisy counts below it are suppressed */
};

/* Whether a cell with true count truth and noisy count noisy is published. */
int dl_published(const struct suppression *s, long truth, long noisy);

/* The published count: truth + noise, floored at 0. */
long dl_noisy(long truth, long noise);

/* A 95%-style interval at level conf for the expected count behind a published noisy
 * count c whose noise has variance var (one cell's, or the sum of the cells it adds up):
 * the exact Poisson (Garwood) half-widths of c combined in quadrature with the noise's
 * z * sqrt(var). Returns 0 or -1 (c < 0). */
int dl_count_interval(double c, double var, double conf, double *lower, double *upper);

/* The same for a proportion from a noisy numerator x and denominator n (x <= n, n > 0):
 * Wilson's half-widths combined with the noise of x/n by the delta method,
 * z * sqrt(var (1 + p^2)) / n, var the noise variance of each. Bounds clipped to [0, 1]. */
int dl_proportion_interval(double x, double n, double var, double conf, struct interval *out);

/* Reliability flags of published values (disclosure.md): a count under 20 (relative
 * standard error above about 23%, CDC WONDER); a proportion by the NCHS rules (a
 * denominator under 30, or an interval 0.30 wide or more). */
int dl_count_unreliable(double c);
int dl_proportion_unreliable(double n, const struct interval *ci);

#endif
