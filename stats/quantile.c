/* Quantiles by root finding on GSL's CDFs (see quantile.h). Brent's method (Brent 1973,
 * gsl_root_fsolver_brent) on F(x) - p, or on p' - Q(x) in the upper tail, bracketed by
 * expanding an initial interval around the Wilson-Hilferty (gamma) or normal (beta)
 * approximation. Tolerance: 4 ulps relative in x. */
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

static double gamma_p(double x, const double *par)
{
	return gsl_cdf_gamma_P(x, par[0], 1.0);
}
static double gamma_q(double x, const double *par)
{
	return gsl_cdf_gamma_Q(x, par[0], 1.0);
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
	double lo = g, hi = g;
	while (lo > DBL_MIN && fn(lo, &t) > 0)
		lo *= 0.5;
	if (lo <= DBL_MIN)
		lo = 0;
	while (fn(hi, &t) < 0)
		hi = hi * 2 + 1;
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

double st_t_quantile(double p, double df)
{
	return gsl_cdf_tdist_Pinv(p, df);
}
