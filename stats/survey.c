/* Survey proportion (see survey.h). References: Wolter, Introduction to Variance
 * Estimation, 2007 (linearisation); Korn & Graubard, Survey Methodology 1998 (the
 * effective-sample-size Clopper-Pearson interval); R survey::svyciprop. */
#include "stats/survey.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "stats/quantile.h"

struct row {
	const char *stratum, *cluster;
	double u;
};

static int by_stratum_cluster(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->stratum, y->stratum);
	return c ? c : strcmp(x->cluster, y->cluster);
}

int st_survey_proportion(const double *y, const double *w, const char *const *strata,
			 const char *const *clusters, size_t n, enum survey_ci ci, double conf,
			 struct survey_prop *out, struct wq_error *e)
{
	double sw = 0, swy = 0, wmax = 0;
	if (n < 2)
		return err_set(e, "A1001", "need at least two observations");
	for (size_t i = 0; i < n; i++) {
		if (y[i] != 0 && y[i] != 1)
			return err_set(e, "A1001", "y must be 0 or 1 (row %zu)", i);
		if (!(w[i] > 0) || !isfinite(w[i]))
			return err_set(e, "A1001", "weights must be > 0 (row %zu)", i);
		wmax = w[i] > wmax ? w[i] : wmax;
	}
	/* Every result is invariant to the weights' scale: dividing by the largest keeps
	 * their sums finite whatever the magnitudes (1e308 would overflow to infinity). */
	for (size_t i = 0; i < n; i++) {
		sw += w[i] / wmax;
		swy += w[i] / wmax * y[i];
	}
	double p = swy / sw;
	/* Linearised scores, totalled per cluster, centred per stratum. */
	struct row *r = xmalloc(sizeof *r * n);
	char **own = clusters ? NULL : xmalloc(sizeof(char *) * n);
	for (size_t i = 0; i < n; i++) {
		if (!clusters)
			own[i] = xasprintf("%zu", i);
		r[i] = (struct row){strata ? strata[i] : "", clusters ? clusters[i] : own[i],
				    w[i] / wmax * (y[i] - p) / sw};
	}
	qsort(r, n, sizeof *r, by_stratum_cluster);
	double var = 0, nclusters = 0, nstrata = 0;
	int rc = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && strcmp(r[j].stratum, r[i].stratum) == 0)
			j++;
		/* Cluster totals of this stratum. */
		double *tot = xmalloc(sizeof(double) * (j - i)), mean = 0;
		size_t m = 0;
		for (size_t a = i; a < j;) {
			size_t b = a;
			double t = 0;
			while (b < j && strcmp(r[b].cluster, r[a].cluster) == 0)
				t += r[b++].u;
			tot[m++] = t;
			a = b;
		}
		if (m < 2) {
			free(tot);
			rc = err_set(e, "A1001", "a stratum has a single cluster");
			err_detail(
			    e, "Its variance cannot be estimated; merge it with another stratum.");
			break;
		}
		for (size_t c = 0; c < m; c++)
			mean += tot[c] / (double)m;
		for (size_t c = 0; c < m; c++)
			var += (double)m / (double)(m - 1) * (tot[c] - mean) * (tot[c] - mean);
		nclusters += (double)m;
		nstrata++;
		free(tot);
		i = j;
	}
	if (own)
		for (size_t i = 0; i < n; i++)
			free(own[i]);
	free(own);
	free(r);
	if (rc < 0)
		return -1;

	double alpha = 1 - conf, df = nclusters - nstrata;
	out->estimate = p;
	out->std_error = sqrt(var);
	out->df = df;
	out->design_effect = p > 0 && p < 1 ? var / (p * (1 - p) / (double)n) : NAN;
	out->n_effective = var > 0 ? p * (1 - p) / var : (double)n;
	double t = gsl_cdf_tdist_Pinv(1 - alpha / 2, df);
	if (ci == SURVEY_KORN_GRAUBARD) {
		/* svyciprop(method = "beta"): effective n scaled by (qt(n-1) / qt(df))^2. */
		double ratio = gsl_cdf_tdist_Pinv(alpha / 2, (double)n - 1) /
			       gsl_cdf_tdist_Pinv(alpha / 2, df);
		double ne = out->n_effective * ratio * ratio;
		out->lower = p == 0 ? 0 : st_beta_quantile(alpha / 2, ne * p, ne * (1 - p) + 1);
		out->upper = p == 1 ? 1 : st_beta_quantile(1 - alpha / 2, ne * p + 1, ne * (1 - p));
	} else if (ci == SURVEY_LOGIT) {
		if (p == 0 || p == 1) {
			out->lower = out->upper = p;
		} else {
			double l = log(p / (1 - p)), s = out->std_error / (p * (1 - p));
			out->lower = 1 / (1 + exp(-(l - t * s)));
			out->upper = 1 / (1 + exp(-(l + t * s)));
		}
	} else {
		out->lower = fmax(0, p - t * out->std_error);
		out->upper = fmin(1, p + t * out->std_error);
	}
	if (!isfinite(out->lower) || !isfinite(out->upper))
		return err_set(e, "A1002", "the interval could not be computed");
	return 0;
}
