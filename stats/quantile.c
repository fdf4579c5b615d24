/* Quantiles by root finding on GSL's CDFs (see quantile.h). Brent's method (Brent 1973,
 * gsl_root_fsolver_brent) on F(x) - p, or on p' - Q(x) in the upper tail, bracketed by
 * expanding an initial interval around the Wilson-Hilferty (gamma) or normal (beta)
 * approximation. Tolerance: 4 ulps relative in x. GSL's error handler must be off
 * (gsl_set_error_handler_off, as every program here does at start): results are checked
 * here, never left to GSL's abort. */
#include "stats/quantile.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>

struct target {
	double (*cdf)(double x, const double *par); /* lower or upper tail */
	const double *par;
	double p;
	int upper; /* solve Q(x) = p instead of P(x) = p */
};

static double fn(double x, void *arg)
{
	const struct target *t = arg;
	double v = t->cdf(x, t->par) - t->p;
	return t->upper ? -v : v; /* increasing in x either way */
}

/* Solves on [lo, hi] where fn(lo) <= 0 <= fn(hi). */
static double brent(struct target *t, double lo, double hi)
{
	gsl_function f = {fn, t};
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	double x = NAN;
	if (!s)
		return NAN;
	if (gsl_root_fsolver_set(s, &f, lo, hi) != GSL_SUCCESS) {
		gsl_root_fsolver_free(s);
		return NAN;
	}
	for (int i = 0; i < 500; i++) {
		gsl_root_fsolver_iterate(s);
		x = gsl_root_fsolver_root(s);
		double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
		if (gsl_root_test_interval(a, b, 0, 4 * DBL_EPSILON) == GSL_SUCCESS)
			break;
	}
	gsl_root_fsolver_free(s);
	return x;
}

/* log1p(t) - t without cancellation for small t. */
static double log1pmx(double t)
{
	if (fabs(t) > 0.1)
		return log1p(t) - t;
	double term = t, sum = 0;
	for (int k = 2; k < 60; k++) {
		term *= -t;
		double add = term / k;
		sum += add;
		if (fabs(add) < 1e-18 * fabs(sum))
			break;
	}
	return sum;
}

/* log(x^a e^-x / Gamma(a+1)) for large a, written around x = a (1 + t) so that the big
 * terms cancel analytically (Stirling's series for log Gamma; Temme 1979). */
static double log_prefactor(double a, double x)
{
	double t = (x - a) / a, s = 1 / (12 * a) - 1 / (360 * a * a * a) + 1 / (1260 * pow(a, 5));
	return a * log1pmx(t) - 0.5 * log(2 * M_PI * a) - s;
}

/* The regularised incomplete gamma for large shapes: the series for P when x < a, the
 * continued fraction (modified Lentz) for Q when x >= a (Press et al., Numerical Recipes
 * 6.2), with the prefactor above. GSL 2.7 switches to a uniform asymptotic expansion for
 * a > 1e6 that is off by about 2e-4 in the upper tail at a = 1e7 (its 0.975 quantile is
 * then 11 units low), so shapes from 1e5 up use this instead. lower: 1 for P, 0 for Q. */
static double big_gamma(double x, double a, int lower)
{
	double pre = log_prefactor(a, x), v;
	if (x <= 0)
		return lower ? 0 : 1;
	if (x < a) {
		double term = 1, sum = 1;
		for (double n = 1; n < 1e8; n++) {
			term *= x / (a + n);
			sum += term;
			if (term < 1e-17 * sum)
				break;
		}
		v = exp(pre + log(sum));
		return lower ? v : 1 - v;
	}
	/* Q = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)) */
	double b = x + 1 - a, c = 1 / DBL_MIN, d = 1 / b, h = d;
	for (double i = 1; i < 1e8; i++) {
		double an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < DBL_MIN)
			d = DBL_MIN;
		c = b + an / c;
		if (fabs(c) < DBL_MIN)
			c = DBL_MIN;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	v = exp(pre + log(a) + log(h));
	return lower ? 1 - v : v;
}

static double gamma_p(double x, const double *par)
{
	return par[0] >= 1e5 ? big_gamma(x, par[0], 1) : gsl_cdf_gamma_P(x, par[0], 1.0);
}
static double gamma_q(double x, const double *par)
{
	return par[0] >= 1e5 ? big_gamma(x, par[0], 0) : gsl_cdf_gamma_Q(x, par[0], 1.0);
}

double st_gamma_p(double x, double shape)
{
	return gamma_p(x, &shape);
}

double st_gamma_q(double x, double shape)
{
	return gamma_q(x, &shape);
}

double st_gamma_quantile(double p, double shape)
{
	if (!(p > 0 && p < 1) || !(shape > 0))
		return NAN;
	int upper = p > 0.5;
	struct target t = {upper ? gamma_q : gamma_p, &shape, upper ? 1 - p : p, upper};
	/* Wilson-Hilferty start; expand until the root is bracketed. */
	double z = st_normal_quantile(p);
	double c = 1.0 / (9.0 * shape);
	double g = shape * pow(1 - c + z * sqrt(c), 3);
	if (!(g > 0))
		g = shape * 0.5 + DBL_MIN;
	/* Steps of a few standard deviations (sqrt(shape)) keep every CDF evaluation near the
	 * quantile, where GSL's incomplete gamma is accurate. */
	double sd = sqrt(shape) + 1, lo = g, hi = g, step = 0.5 * sd;
	while (lo > 0 && fn(lo, &t) > 0) {
		lo = lo - step > 0 ? lo - step : 0;
		step *= 2;
	}
	step = 0.5 * sd;
	while (fn(hi, &t) < 0) {
		hi += step;
		step *= 2;
	}
	return brent(&t, lo, hi);
}

static double beta_p(double x, const double *par)
{
	return gsl_cdf_beta_P(x, par[0], par[1]);
}
static double beta_q(double x, const double *par)
{
	return gsl_cdf_beta_Q(x, par[0], par[1]);
}

double st_beta_quantile(double p, double a, double b)
{
	if (!(p > 0 && p < 1) || !(a > 0) || !(b > 0))
		return NAN;
	double par[2] = {a, b};
	int upper = p > 0.5;
	struct target t = {upper ? beta_q : beta_p, par, upper ? 1 - p : p, upper};
	/* Bracket around the normal approximation, shrinking towards 0 and 1. */
	double m = a / (a + b), sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
	double g = m + st_normal_quantile(p) * sd;
	if (!(g > 0 && g < 1))
		g = m;
	double lo = g, hi = g, step = sd > 0 ? sd : 1e-3;
	while (lo > 0 && fn(lo, &t) > 0) {
		lo -= step;
		step *= 2;
	}
	if (lo < 0)
		lo = 0;
	step = sd > 0 ? sd : 1e-3;
	while (hi < 1 && fn(hi, &t) < 0) {
		hi += step;
		step *= 2;
	}
	if (hi > 1)
		hi = 1;
	return brent(&t, lo, hi);
}

double st_normal_quantile(double p)
{
	return gsl_cdf_ugaussian_Pinv(p);
}
