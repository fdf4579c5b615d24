/* Kaplan-Meier and log-rank (see survival.h). References: Kaplan & Meier, JASA 1958;
 * Greenwood 1926; Kalbfleisch & Prentice 2002 (log-log limits); Peto & Peto 1972 and
 * Mantel 1966 (log-rank, with the hypergeometric variance as survdiff). */
#include "stats/survival.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "stats/quantile.h"
#include "stats/table.h"

struct obs {
	double t;
	int status, g;
};

static int by_time(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;
	return (x->t > y->t) - (x->t < y->t);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void st_km_free(struct km_result *r)
{
	for (size_t g = 0; g < r->ngroups; g++) {
		struct km_curve *c = &r->groups[g];
		free(c->name);
		free(c->time);
		free(c->n_risk);
		free(c->n_event);
		free(c->survival);
		free(c->std_error);
		free(c->lower);
		free(c->upper);
	}
	free(r->groups);
	memset(r, 0, sizeof *r);
}

static void bounds(double s, double se_log, double z, enum km_ci ci, double *lo, double *hi)
{
	if (s == 0 || se_log == 0 || !isfinite(se_log)) {
		/* S = 1 before any event: the interval is the point; S = 0 has no interval. */
		*lo = *hi = s == 1 ? 1 : NAN;
		return;
	}
	if (ci == KM_LOG) {
		*lo = exp(log(s) - z * se_log);
		*hi = fmin(1, exp(log(s) + z * se_log));
	} else if (ci == KM_LOGLOG) {
		double a = exp(-exp(log(-log(s)) + z * se_log / log(s)));
		double b = exp(-exp(log(-log(s)) - z * se_log / log(s)));
		*lo = fmin(a, b);
		*hi = fmax(a, b);
	} else {
		*lo = fmax(0, s - z * s * se_log);
		*hi = fmin(1, s + z * s * se_log);
	}
}

int st_km(const double *time, const int *status, const char *const *group, size_t n, enum km_ci ci,
	  double conf, struct km_result *out, struct wq_error *e)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return err_set(e, "A1001", "no observations");
	for (size_t i = 0; i < n; i++) {
		if (!(time[i] >= 0) || !isfinite(time[i]))
			return err_set(e, "A1001", "times must be >= 0 (row %zu)", i);
		if (status[i] != 0 && status[i] != 1)
			return err_set(e, "A1001", "status must be 0 or 1 (row %zu)", i);
	}
	/* Group names, sorted and distinct. */
	const char **names = xmalloc(sizeof(char *) * n);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		names[i] = group ? group[i] : "all";
	qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
			names[k++] = names[i];
	struct obs *o = xmalloc(sizeof *o * n);
	for (size_t i = 0; i < n; i++) {
		const char *key = group ? group[i] : "all";
		const char **hit = bsearch(&key, names, k, sizeof(char *), cmp_str);
		o[i] = (struct obs){time[i], status[i], (int)(hit - names)};
	}
	qsort(o, n, sizeof *o, by_time);

	double z = st_normal_quantile(1 - (1 - conf) / 2);
	out->ngroups = k;
	out->groups = xcalloc(k, sizeof *out->groups);
	/* Log-rank accumulators: observed - expected, and the covariance of the first k-1. */
	double *oe = xcalloc(k, sizeof(double));
	gsl_matrix *V = gsl_matrix_calloc(k, k);
	double *at_risk = xcalloc(k, sizeof(double)), *events = xcalloc(k, sizeof(double));
	double *cum_s = xmalloc(sizeof(double) * k), *cum_v = xcalloc(k, sizeof(double));
	for (size_t g = 0; g < k; g++) {
		struct km_curve *c = &out->groups[g];
		c->name = xstrdup(names[g]);
		c->time = xmalloc(sizeof(double) * n);
		c->n_risk = xmalloc(sizeof(double) * n);
		c->n_event = xmalloc(sizeof(double) * n);
		c->survival = xmalloc(sizeof(double) * n);
		c->std_error = xmalloc(sizeof(double) * n);
		c->lower = xmalloc(sizeof(double) * n);
		c->upper = xmalloc(sizeof(double) * n);
		cum_s[g] = 1;
	}
	for (size_t i = 0; i < n; i++)
		at_risk[o[i].g]++;

	for (size_t i = 0; i < n;) {
		size_t j = i;
		double t = o[i].t, d = 0, nr = 0, *removed = xcalloc(k, sizeof(double));
		memset(events, 0, sizeof(double) * k);
		while (j < n && o[j].t == t) {
			events[o[j].g] += o[j].status;
			removed[o[j].g]++;
			j++;
		}
		for (size_t g = 0; g < k; g++) {
			d += events[g];
			nr += at_risk[g];
		}
		/* Log-rank at this time (hypergeometric variance, as survdiff). */
		if (d > 0 && k > 1) {
			for (size_t g = 0; g < k; g++) {
				oe[g] += events[g] - d * at_risk[g] / nr;
				if (nr > 1)
					for (size_t h = 0; h < k; h++) {
						double v = d * (nr - d) / (nr - 1) * at_risk[g] /
							   nr * ((g == h) - at_risk[h] / nr);
						gsl_matrix_set(V, g, h,
							       gsl_matrix_get(V, g, h) + v);
					}
			}
		}
		/* Each group with someone removed at t gets a row. */
		for (size_t g = 0; g < k; g++) {
			if (removed[g] == 0)
				continue;
			struct km_curve *c = &out->groups[g];
			double ng = at_risk[g], dg = events[g];
			if (dg > 0) {
				cum_s[g] *= 1 - dg / ng;
				cum_v[g] = ng > dg ? cum_v[g] + dg / (ng * (ng - dg)) : INFINITY;
			}
			size_t r = c->n++;
			c->time[r] = t;
			c->n_risk[r] = ng;
			c->n_event[r] = dg;
			c->survival[r] = cum_s[g];
			double se_log = sqrt(cum_v[g]);
			c->std_error[r] = isfinite(se_log) ? cum_s[g] * se_log : NAN;
			bounds(cum_s[g], se_log, z, ci, &c->lower[r], &c->upper[r]);
			at_risk[g] -= removed[g];
		}
		free(removed);
		i = j;
	}
	out->chi_square = out->df = out->p_value = NAN;
	if (k > 1) {
		/* chi2 = (O-E)' V^-1 (O-E) over the first k-1 groups. */
		size_t m = k - 1;
		gsl_matrix *A = gsl_matrix_alloc(m, m);
		gsl_vector *b = gsl_vector_alloc(m), *x = gsl_vector_alloc(m);
		gsl_permutation *perm = gsl_permutation_alloc(m);
		for (size_t g = 0; g < m; g++) {
			gsl_vector_set(b, g, oe[g]);
			for (size_t h = 0; h < m; h++)
				gsl_matrix_set(A, g, h, gsl_matrix_get(V, g, h));
		}
		int sign;
		if (gsl_linalg_LU_decomp(A, perm, &sign) == 0 &&
		    fabs(gsl_linalg_LU_det(A, sign)) > 1e-300 &&
		    gsl_linalg_LU_solve(A, perm, b, x) == 0) {
			double chi = 0;
			for (size_t g = 0; g < m; g++)
				chi += oe[g] * gsl_vector_get(x, g);
			out->chi_square = chi;
			out->df = (double)m;
			out->p_value = st_chisq_p(chi, (double)m);
		}
		gsl_matrix_free(A);
		gsl_vector_free(b);
		gsl_vector_free(x);
		gsl_permutation_free(perm);
	}
	gsl_matrix_free(V);
	free(oe);
	free(at_risk);
	free(events);
	free(cum_s);
	free(cum_v);
	free(o);
	free(names);
	return 0;
}
