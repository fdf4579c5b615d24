/* Disclosure arithmetic (see disclosure.h). */
#include "stats/disclosure.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdatomic.h>
#include <sodium.h>

#include "stats/draw.h"
#include "stats/poisson.h"

double dl_uniform(const uint8_t key[DISCLOSURE_KEY_BYTES], const void *msg, size_t len)
{
	uint8_t h[8];
	crypto_generichash(h, sizeof h, msg, len, key, DISCLOSURE_KEY_BYTES);
	return dl_uniform_of(h);
}

double dl_uniform_of(const uint8_t h[8])
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | h[i];
	/* 53 bits, centred in their interval: never 0, never 1. */
	return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}

long dl_draw(double u, double b)
{
	double p = exp(-1.0 / b);
	double zero = (1 - p) / (1 + p); /* P(N = 0) */
	if (fabs(u - 0.5) <= zero / 2)
		return 0;
	/* P(N >= k) = p^k / (1 + p) for k >= 1: the k with P(N >= k) >= v > P(N >= k + 1). */
	double v = u > 0.5 ? 1 - u : u;
	long k = (long)floor(log(v * (1 + p)) / log(p));
	if (k < 1)
		k = 1;
	return u > 0.5 ? k : -k;
}

double dl_variance(double b)
{
	return st_dlaplace_variance(b);
}

int dl_published(const struct suppression *s, long truth, long noisy)
{
	return truth >= s->floor && noisy >= s->threshold;
}

long dl_noisy(long truth, long noise)
{
	return truth + noise < 0 ? 0 : truth + noise;
}

/* The exact Poisson limits of the count k at 95%, tabulated as they are first asked for:
 * they are a function of the count alone, and each costs two gamma quantiles (most of a
 * fresh table's publishing, and of a published-product answer's). Filled without a lock:
 * an entry is claimed (0 -> 2), written, then published (-> 1); a reader that finds it
 * claimed computes the limits itself. Only touched pages of the table are ever resident. */
#define LIMITS_TABLE (1u << 20)
static struct {
	double lo, hi;
	atomic_uchar state;
} limits[LIMITS_TABLE];

static int poisson_limits(double k, double conf, double *lo, double *hi)
{
	struct wq_error e;
	int tabulated = conf == 0.95 && k < LIMITS_TABLE;
	size_t i = tabulated ? (size_t)k : 0;
	if (tabulated && atomic_load_explicit(&limits[i].state, memory_order_acquire) == 1) {
		*lo = limits[i].lo;
		*hi = limits[i].hi;
		return 0;
	}
	if (st_poisson_limits(k, conf, RATE_EXACT, lo, hi, &e) < 0)
		return -1;
	unsigned char empty = 0;
	if (tabulated && atomic_compare_exchange_strong(&limits[i].state, &empty, 2)) {
		limits[i].lo = *lo;
		limits[i].hi = *hi;
		atomic_store_explicit(&limits[i].state, 1, memory_order_release);
	}
	return 0;
}

int dl_count_interval(double c, double var, double conf, double *lower, double *upper)
{
	double lo, hi;
	if (c < 0 || !(c < 1e15) || poisson_limits(floor(c), conf, &lo, &hi) < 0)
		return -1;
	double zn = gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2) * sqrt(var);
	*lower = c - sqrt((c - lo) * (c - lo) + zn * zn);
	*upper = c + sqrt((hi - c) * (hi - c) + zn * zn);
	if (*lower < 0)
		*lower = 0;
	return 0;
}

int dl_proportion_interval(double x, double n, double var, double conf, struct interval *out)
{
	struct wq_error e;
	if (st_proportion(x, n, conf, PROP_WILSON, out, &e) < 0)
		return -1;
	double p = x / n;
	double zn = gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2) * sqrt(var * (1 + p * p)) / n;
	double lo = p - sqrt((p - out->lower) * (p - out->lower) + zn * zn);
	double hi = p + sqrt((out->upper - p) * (out->upper - p) + zn * zn);
	out->estimate = p;
	out->lower = lo < 0 ? 0 : lo;
	out->upper = hi > 1 ? 1 : hi;
	return 0;
}

int dl_count_unreliable(double c)
{
	return c < 20;
}

int dl_proportion_unreliable(double n, const struct interval *ci)
{
	double width = ci->upper - ci->lower;
	if (n < 30 || width >= 0.30)
		return 1;
	/* NCHS (Parker et al. 2017): a relative width over 130% once the width exceeds 0.05. */
	return width > 0.05 && ci->estimate > 0 && width / ci->estimate > 1.30;
}
