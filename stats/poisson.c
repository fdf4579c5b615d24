/* Poisson counts, rate ratios and standardised rates (see poisson.h). */
#include "stats/poisson.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>

#include "stats/limits.h"
#include "stats/quantile.h"

int st_poisson_limits(double x, double conf, enum rate_method m, double *lower, double *upper,
		      struct wq_error *e)
{
	if (st_check_count(x, "the count", e) < 0)
		return -1;
	if (!(conf > 0 && conf < 1))
		return err_set(e, "A1001", "conf must be between 0 and 1");
	double alpha = 1 - conf;
	if (m == RATE_EXACT) {
		*lower = x == 0 ? 0 : st_gamma_quantile(alpha / 2, x);
		*upper = st_gamma_quantile(1 - alpha / 2, x + 1);
	} else {
		double z = st_normal_quantile(1 - alpha / 2);
		*lower = x == 0 ? 0 : x * pow(1 - 1 / (9 * x) - z / (3 * sqrt(x)), 3);
		*upper = (x + 1) * pow(1 - 1 / (9 * (x + 1)) + z / (3 * sqrt(x + 1)), 3);
	}
	if (!isfinite(*lower) || !isfinite(*upper))
		return err_set(e, "A1002", "the interval could not be computed");
	return 0;
}

double st_binom_test_p(double x, double n, double p)
{
	/* R's binom.test: the sum of P(X = i) over every i with P(X = i) <= P(X = x) (1 +
	 * 1e-7). The pmf is unimodal, so the far tail's cut is found by bisection. */
	unsigned N = (unsigned)n, X = (unsigned)x;
	if (p == 0)
		return X == 0 ? 1 : 0;
	if (p == 1)
		return X == N ? 1 : 0;
	double d = gsl_ran_binomial_pdf(X, p, N) * (1 + 1e-7), m = n * p, pval;
	if (x == m)
		return 1;
	if (x < m) {
		/* on [ceil(m), n] the pmf falls: first i with pmf <= d */
		unsigned lo = (unsigned)ceil(m), hi = N + 1;
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (gsl_ran_binomial_pdf(mid, p, N) <= d)
				hi = mid;
			else
				lo = mid + 1;
		}
		unsigned y = N + 1 - lo; /* how many in [lo, n] */
		pval = gsl_cdf_binomial_P(X, p, N) + (y ? gsl_cdf_binomial_Q(N - y, p, N) : 0);
	} else {
		/* on [0, floor(m)] the pmf rises: first i with pmf > d */
		unsigned lo = 0, hi = (unsigned)floor(m) + 1;
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (gsl_ran_binomial_pdf(mid, p, N) > d)
				hi = mid;
			else
				lo = mid + 1;
		}
		unsigned y = lo; /* how many in [0, floor(m)] with pmf <= d */
		pval = (y ? gsl_cdf_binomial_P(y - 1, p, N) : 0) + gsl_cdf_binomial_Q(X - 1, p, N);
	}
	return pval > 1 ? 1 : pval;
}

int st_rate_ratio(double x1, double t1, double x2, double t2, double conf, struct rate_ratio *out,
		  struct wq_error *e)
{
	if (st_check_count(x1, "count1", e) < 0 || st_check_count(x2, "count2", e) < 0 ||
	    st_check_measure(t1, "time1", e) < 0 || st_check_measure(t2, "time2", e) < 0)
		return -1;
	if (x1 + x2 == 0)
		return err_set(e, "A1006", "both counts are zero: the ratio is undefined");
	double n = x1 + x2, p0 = t1 / (t1 + t2);
	struct interval ci;
	if (st_proportion(x1, n, conf, PROP_CLOPPER_PEARSON, &ci, e) < 0)
		return -1;
	out->ratio = x2 == 0 ? NAN : (x1 / t1) / (x2 / t2);
	out->lower = ci.lower / (1 - ci.lower) * t2 / t1;
	out->upper = ci.upper >= 1 ? NAN : ci.upper / (1 - ci.upper) * t2 / t1;
	out->p_value = st_binom_test_p(x1, n, p0);
	return 0;
}

int st_dsr(const double *counts, const double *pops, const double *standard, size_t n, double per,
	   double conf, enum dsr_method m, struct dsr *out, struct wq_error *e)
{
	double ssum = 0, xsum = 0, psum = 0, y = 0, v = 0, wmax = 0, wmean = 0, w2mean = 0;
	if (n == 0)
		return err_set(e, "A1001", "no strata");
	if (!(conf > 0 && conf < 1))
		return err_set(e, "A1001", "conf must be between 0 and 1");
	if (st_check_measure(per, "per", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(counts[i] >= 0) || !isfinite(counts[i]))
			return err_set(e, "A1001", "counts must be >= 0 (stratum %zu)", i);
		if (counts[i] > ST_MAX_COUNT)
			return err_set(e, "A1011", "counts above %.0f are not supported",
				       ST_MAX_COUNT);
		if (st_check_measure(pops[i], "a population", e) < 0) {
			err_detail(e, "Stratum %zu.", i);
			return -1;
		}
		if (!(standard[i] >= 0) || !isfinite(standard[i]))
			return err_set(e, "A1001", "standard weights must be >= 0 (stratum %zu)",
				       i);
		ssum += standard[i];
		xsum += counts[i];
		psum += pops[i];
	}
	if (!(ssum > 0))
		return err_set(e, "A1001", "the standard weights sum to zero");
	for (size_t i = 0; i < n; i++) {
		double w = standard[i] / (ssum * pops[i]);
		y += w * counts[i];
		v += w * w * counts[i];
		wmax = w > wmax ? w : wmax;
		wmean += w / (double)n;
		w2mean += w * w / (double)n;
	}
	double alpha = 1 - conf;
	out->rate = y * per;
	out->crude = xsum / psum * per;
	/* Gamma limits with mean mu and variance s2: shape mu^2/s2, scale s2/mu. */
	double lower = y == 0 ? 0 : st_gamma_quantile(alpha / 2, y * y / v) * v / y;
	double wu = m == DSR_TIWARI ? wmean : wmax, w2u = m == DSR_TIWARI ? w2mean : wmax * wmax;
	double upper = st_gamma_quantile(1 - alpha / 2, (y + wu) * (y + wu) / (v + w2u)) *
		       (v + w2u) / (y + wu);
	if (m == DSR_DOBSON) {
		double lo, hi;
		if (st_poisson_limits(xsum, conf, RATE_EXACT, &lo, &hi, e) < 0)
			return -1;
		if (xsum == 0)
			return err_set(e, "A1006", "Dobson's interval needs at least one event");
		lower = y + sqrt(v / xsum) * (lo - xsum);
		upper = y + sqrt(v / xsum) * (hi - xsum);
	}
	out->lower = lower * per;
	out->upper = upper * per;
	if (!isfinite(out->lower) || !isfinite(out->upper))
		return err_set(e, "A1002", "the interval could not be computed");
	return 0;
}
