/* Annual percent change (see trend.h). References: Kim et al., Stat Med 2000 (Joinpoint);
 * Fay, Tiwari, Feuer & Zou, Biometrics 2006 (APC). */
#include "stats/trend.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "stats/glm.h"
#include "stats/limits.h"
#include "stats/quantile.h"

static void apc(double b, double se, double q, struct trend *out)
{
	out->slope = b;
	out->std_error = se;
	out->apc = 100 * expm1(b);
	out->lower = 100 * expm1(b - q * se);
	out->upper = 100 * expm1(b + q * se);
}

int st_trend_rates(const double *years, const double *rates, size_t n, double conf,
		   struct trend *out, struct wq_error *e)
{
	if (n < 3)
		return err_set(e, "A1001", "a trend needs at least 3 years");
	double mx = 0, my = 0, sxx = 0, sxy = 0, sse = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(rates[i] > 0) || !isfinite(rates[i]) || !isfinite(years[i]))
			return err_set(e, "A1001",
				       "rates must be > 0 (year %zu); a log-linear trend "
				       "cannot take a zero",
				       i);
		mx += years[i] / (double)n;
		my += log(rates[i]) / (double)n;
	}
	for (size_t i = 0; i < n; i++) {
		sxx += (years[i] - mx) * (years[i] - mx);
		sxy += (years[i] - mx) * (log(rates[i]) - my);
	}
	if (!(sxx > 0))
		return err_set(e, "A1001", "all years are equal");
	double b = sxy / sxx, a = my - b * mx;
	for (size_t i = 0; i < n; i++) {
		double r = log(rates[i]) - a - b * years[i];
		sse += r * r;
	}
	double df = (double)n - 2, se = sqrt(sse / df / sxx);
	apc(b, se, gsl_cdf_tdist_Pinv(1 - (1 - conf) / 2, df), out);
	out->p_value = se > 0 ? 2 * gsl_cdf_tdist_Q(fabs(b / se), df) : (b == 0 ? 1 : 0);
	return 0;
}

int st_trend_counts(const double *years, const double *counts, const double *pops, size_t n,
		    double conf, struct trend *out, struct wq_error *e)
{
	if (n < 3)
		return err_set(e, "A1001", "a trend needs at least 3 years");
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		/* Counts need not be whole (expected counts are fitted too, as R's glm). */
		if (!(counts[i] >= 0) || !isfinite(counts[i]))
			return err_set(e, "A1001", "counts must be >= 0 (year %zu)", i);
		if (counts[i] > ST_MAX_COUNT)
			return err_set(e, "A1011", "counts above %.0f are not supported (year %zu)",
				       ST_MAX_COUNT, i);
		if (st_check_measure(pops[i], "a population", e) < 0) {
			err_detail(e, "Year %zu.", i);
			return -1;
		}
		total += counts[i];
	}
	if (total == 0)
		return err_set(e, "A1006", "every count is zero: there is no trend to estimate");
	double *off = xmalloc(sizeof(double) * n);
	for (size_t i = 0; i < n; i++)
		off[i] = log(pops[i]);
	struct covariate year = {"year", years, NULL, NULL};
	struct design d;
	struct glm_fit f;
	int rc = st_design(&d, n, &year, 1, e);
	if (rc == 0)
		rc = st_glm(GLM_POISSON, &d, counts, NULL, off, conf, &f, e);
	if (rc == 0) {
		apc(f.coef[1].estimate, f.coef[1].std_error, st_normal_quantile(1 - (1 - conf) / 2),
		    out);
		out->p_value = f.coef[1].p_value;
		st_glm_free(&f);
	}
	st_design_free(&d);
	free(off);
	return rc;
}
