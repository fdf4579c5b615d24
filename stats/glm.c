/* GLMs by IRLS (McCullagh & Nelder 1989, ch. 2; R's glm.fit), negative binomial theta by
 * Newton-Raphson on the profile score (Venables & Ripley 2002, MASS::theta.ml), design
 * matrices in R's treatment coding. Each IRLS step is a weighted least-squares solve
 * with GSL's SVD (gsl_multifit_wlinear_tsvd), which also reports the rank. */
#include "stats/glm.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "stats/limits.h"
#include "stats/quantile.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int st_design(struct design *d, size_t n, const struct covariate *cov, size_t ncov,
	      struct wq_error *e)
{
	/* Count columns first: 1 + numeric + (levels - 1) per factor. */
	size_t p = 1;
	const char ***levels = xcalloc(ncov + 1, sizeof *levels);
	size_t *nlev = xcalloc(ncov + 1, sizeof *nlev);
	memset(d, 0, sizeof *d);
	for (size_t c = 0; c < ncov; c++) {
		if (!cov[c].levels) {
			p++;
			continue;
		}
		const char **u = xmalloc(sizeof(char *) * (n + 1));
		/* cppcheck-suppress pointerSize */
		memcpy(u, cov[c].levels, sizeof(char *) * n);
		qsort(u, n, sizeof(char *), cmp_str);
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (k == 0 || strcmp(u[k - 1], u[i]) != 0)
				u[k++] = u[i];
		if (cov[c].reference) {
			size_t r = 0;
			while (r < k && strcmp(u[r], cov[c].reference) != 0)
				r++;
			if (r == k) {
				for (size_t j = 0; j <= c; j++)
					free(levels[j]);
				free(u);
				free(levels);
				free(nlev);
				return err_set(e, "A1001",
					       "reference level is not a level of factor \"%s\"",
					       cov[c].name);
			}
			const char *ref = u[r];
			memmove(u + 1, u, sizeof(char *) * r);
			u[0] = ref;
		}
		levels[c] = u;
		nlev[c] = k;
		p += k ? k - 1 : 0;
	}
	/* Bounded before the n x p matrix exists: a factor of 10^6 levels would ask for
	 * terabytes, and IRLS costs n p^2 per iteration. */
	if (p > ST_MAX_COEF || (double)n * (double)p > ST_MAX_DESIGN) {
		for (size_t j = 0; j < ncov; j++)
			free(levels[j]);
		free(levels);
		free(nlev);
		err_set(e, "A1010", "the model has %zu coefficients over %zu rows", p, n);
		err_detail(e,
			   "At most %d coefficients and %d rows x coefficients "
			   "(docs/methods.md, Limits); a factor adds one per level but one.",
			   ST_MAX_COEF, ST_MAX_DESIGN);
		return -1;
	}
	d->n = n;
	d->p = p;
	d->x = xcalloc(n * p + 1, sizeof(double));
	d->names = xcalloc(p + 1, sizeof(char *));
	d->names[0] = xstrdup("(Intercept)");
	for (size_t i = 0; i < n; i++)
		d->x[i * p] = 1;
	size_t col = 1;
	for (size_t c = 0; c < ncov; c++) {
		if (!cov[c].levels) {
			d->names[col] = xstrdup(cov[c].name);
			for (size_t i = 0; i < n; i++)
				d->x[i * p + col] = cov[c].values[i];
			col++;
			continue;
		}
		for (size_t l = 1; l < nlev[c]; l++) {
			d->names[col] = xasprintf("%s%s", cov[c].name, levels[c][l]);
			for (size_t i = 0; i < n; i++)
				d->x[i * p + col] = strcmp(cov[c].levels[i], levels[c][l]) == 0;
			col++;
		}
		free(levels[c]);
	}
	free(levels);
	free(nlev);
	return 0;
}

void st_design_free(struct design *d)
{
	for (size_t j = 0; j < d->p; j++)
		free(d->names[j]);
	free(d->names);
	free(d->x);
	memset(d, 0, sizeof *d);
}

void st_glm_free(struct glm_fit *f)
{
	free(f->coef);
	f->coef = NULL;
}

/* One family's pieces for IRLS. */
struct model {
	enum glm_family fam;
	size_t n;
	const double *y, *trials, *offset;
	double theta;
};

static double tri(const struct model *m, size_t i)
{
	return m->trials ? m->trials[i] : 1;
}

/* mu from eta (binomial: mu is the expected count trials * pi). */
static double mu_of(const struct model *m, size_t i, double eta)
{
	if (m->fam == GLM_BINOMIAL)
		return tri(m, i) / (1 + exp(-eta));
	return exp(eta);
}

/* Working weight and working response for observation i at eta. */
static void work(const struct model *m, size_t i, double eta, double *w, double *z)
{
	double mu = mu_of(m, i, eta), off = m->offset ? m->offset[i] : 0;
	if (m->fam == GLM_BINOMIAL) {
		double nn = tri(m, i), pi = mu / nn;
		double dmu = nn * pi * (1 - pi); /* d mu / d eta = variance */
		*w = dmu;
		*z = eta - off + (m->y[i] - mu) / dmu;
	} else {
		double var = m->fam == GLM_NEGBIN ? mu + mu * mu / m->theta : mu;
		*w = mu * mu / var;
		*z = eta - off + (m->y[i] - mu) / mu;
	}
}

/* The linear predictor of row i: offset + x_i . beta. */
static double linpred(const struct design *d, const double *offset, const double *beta, size_t i)
{
	double eta = offset ? offset[i] : 0;
	for (size_t j = 0; j < d->p; j++)
		eta += d->x[i * d->p + j] * beta[j];
	return eta;
}

/* Working weights and responses of every row at eta. */
static void fill_work(const struct model *m, const double *eta, gsl_vector *w, gsl_vector *z)
{
	for (size_t i = 0; i < m->n; i++) {
		double wi, zi;
		work(m, i, eta[i], &wi, &zi);
		gsl_vector_set(w, i, wi);
		gsl_vector_set(z, i, zi);
	}
}

static double ylogy(double y, double mu)
{
	return y > 0 ? y * log(y / mu) : 0;
}

static double deviance(const struct model *m, const double *eta)
{
	double dev = 0;
	for (size_t i = 0; i < m->n; i++) {
		double mu = mu_of(m, i, eta[i]), y = m->y[i];
		if (m->fam == GLM_BINOMIAL)
			dev += 2 * (ylogy(y, mu) + ylogy(tri(m, i) - y, tri(m, i) - mu));
		else if (m->fam == GLM_NEGBIN)
			dev += 2 * (ylogy(y, mu) -
				    (y + m->theta) * log((y + m->theta) / (mu + m->theta)));
		else
			dev += 2 * (ylogy(y, mu) - (y - mu));
	}
	return dev;
}

static double loglik(const struct model *m, const double *eta)
{
	double ll = 0;
	for (size_t i = 0; i < m->n; i++) {
		double mu = mu_of(m, i, eta[i]), y = m->y[i];
		if (m->fam == GLM_BINOMIAL) {
			double nn = tri(m, i), pi = mu / nn;
			ll += gsl_sf_lnchoose((unsigned)nn, (unsigned)y) +
			      (y > 0 ? y * log(pi) : 0) + (nn - y > 0 ? (nn - y) * log1p(-pi) : 0);
		} else if (m->fam == GLM_NEGBIN) {
			double th = m->theta;
			ll += gsl_sf_lngamma(th + y) - gsl_sf_lngamma(th) - gsl_sf_lngamma(y + 1) +
			      th * log(th) + (y > 0 ? y * log(mu) : 0) - (th + y) * log(th + mu);
		} else {
			ll += (y > 0 ? y * log(mu) : 0) - mu - gsl_sf_lngamma(y + 1);
		}
	}
	return ll;
}

/* IRLS to convergence: |dev - dev_old| / (|dev| + 0.1) < 1e-15 (R's rule at
 * glm.control(epsilon = 1e-15)), or no further change. beta must hold a start (zeros
 * for a fresh fit: the start then comes from mu as R's mustart). Returns iterations,
 * -1 when collinear, -2 when not converged. cov gets (X'WX)^-1. */
static int irls(const struct model *m, const struct design *d, double *beta, int fresh,
		gsl_matrix *cov, double *dev_out)
{
	size_t n = d->n, p = d->p;
	gsl_matrix *X = gsl_matrix_alloc(n, p);
	gsl_vector *w = gsl_vector_alloc(n), *z = gsl_vector_alloc(n), *b = gsl_vector_alloc(p);
	gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, p);
	double *eta = xmalloc(sizeof(double) * n), dev_old = INFINITY, dev = 0, chisq;
	int it, rc = -2;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p; j++)
			gsl_matrix_set(X, i, j, d->x[i * p + j]);
	for (size_t i = 0; i < n; i++) {
		if (fresh) {
			/* R's mustart: binomial (y + 0.5) / (n + 1) as a proportion; counts y +
			 * 0.1. */
			double mu0 = m->fam == GLM_BINOMIAL ? (m->y[i] + 0.5) / (tri(m, i) + 1)
							    : m->y[i] + 0.1;
			eta[i] = m->fam == GLM_BINOMIAL ? log(mu0 / (1 - mu0)) : log(mu0);
		} else {
			eta[i] = linpred(d, m->offset, beta, i);
		}
	}
	for (it = 1; it <= 200; it++) {
		fill_work(m, eta, w, z);
		size_t rank;
		gsl_multifit_wlinear_tsvd(X, w, z, 1e-12, b, cov, &chisq, &rank, ws);
		if (rank < p) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < n; i++)
			eta[i] = linpred(d, m->offset, b->data, i);
		dev = deviance(m, eta);
		if (!isfinite(dev))
			break;
		/* Converged: R's criterion at epsilon 1e-15, or the deviance no longer falls
		 * once the change is down to rounding. */
		double rel = fabs(dev - dev_old) / (fabs(dev) + 0.1);
		if (rel < 1e-15 || (rel < 1e-10 && dev >= dev_old)) {
			rc = it;
			break;
		}
		dev_old = dev;
	}
	if (rc != -1) {
		/* The covariance at the final estimates. */
		fill_work(m, eta, w, z);
		size_t rank;
		gsl_vector *b2 = gsl_vector_alloc(p);
		gsl_multifit_wlinear_tsvd(X, w, z, 1e-12, b2, cov, &chisq, &rank, ws);
		gsl_vector_free(b2);
	}
	for (size_t j = 0; j < p; j++)
		beta[j] = gsl_vector_get(b, j);
	*dev_out = dev;
	free(eta);
	gsl_multifit_linear_free(ws);
	gsl_vector_free(w);
	gsl_vector_free(z);
	gsl_vector_free(b);
	gsl_matrix_free(X);
	return rc;
}

/* MASS::theta.ml: Newton-Raphson for theta given mu. */
static double theta_ml(const struct model *m, const double *mu, double *se)
{
	double n = (double)m->n, t0 = 0;
	for (size_t i = 0; i < m->n; i++)
		t0 += (m->y[i] / mu[i] - 1) * (m->y[i] / mu[i] - 1);
	double th = n / t0;
	for (int it = 0; it < 100; it++) {
		double score = 0, info = 0;
		for (size_t i = 0; i < m->n; i++) {
			double y = m->y[i], u = mu[i];
			score += gsl_sf_psi(th + y) - gsl_sf_psi(th) + log(th) + 1 - log(th + u) -
				 (y + th) / (u + th);
			info += -gsl_sf_psi_1(th + y) + gsl_sf_psi_1(th) - 1 / th + 2 / (u + th) -
				(y + th) / ((u + th) * (u + th));
		}
		double step = score / info;
		th += step;
		if (th <= 0)
			th = 1e-8;
		if (fabs(step) < 1e-13 * (th + 1e-13)) {
			*se = 1 / sqrt(info);
			return th;
		}
	}
	*se = NAN;
	return th;
}

int st_glm(enum glm_family fam, const struct design *d, const double *y, const double *trials,
	   const double *offset, double conf, struct glm_fit *out, struct wq_error *e)
{
	size_t n = d->n, p = d->p;
	struct model m = {fam, n, y, trials, offset, 1};
	memset(out, 0, sizeof *out);
	/* A saturated binomial or Poisson model (as many rows as coefficients) fits exactly,
	 * as R's glm fits it (multiple-systems estimation's two lists are one); a dispersion
	 * to estimate needs a row more. */
	int estimated = fam == GLM_QUASIPOISSON || fam == GLM_NEGBIN;
	if (n < p || (n == p && estimated))
		return err_set(e, "A1001", "need %s observations (%zu) than coefficients (%zu)",
			       estimated ? "more" : "at least as many", n, p);
	for (size_t i = 0; i < n; i++) {
		if (!(y[i] >= 0) || !isfinite(y[i]))
			return err_set(e, "A1001", "y must be >= 0 (row %zu)", i);
		if (y[i] > ST_MAX_COUNT || (trials && trials[i] > ST_MAX_COUNT))
			return err_set(e, "A1011",
				       "y and trials above %.0f are not supported (row %zu)",
				       ST_MAX_COUNT, i);
		if (fam == GLM_BINOMIAL && (tri(&m, i) <= 0 || y[i] > tri(&m, i)))
			return err_set(e, "A1001", "need 0 <= y <= trials, trials > 0 (row %zu)",
				       i);
		if (offset && !isfinite(offset[i]))
			return err_set(e, "A1001", "offset must be finite (row %zu)", i);
		for (size_t j = 0; j < p; j++)
			if (!isfinite(d->x[i * p + j]))
				return err_set(e, "A1001", "covariates must be finite (row %zu)",
					       i);
	}
	double *beta = xcalloc(p, sizeof(double)), dev = 0;
	gsl_matrix *cov = gsl_matrix_alloc(p, p);
	int it, total = 0;
	if (fam == GLM_NEGBIN) {
		/* glm.nb: a Poisson start, then alternate theta and the NB fit. */
		m.fam = GLM_POISSON;
		it = irls(&m, d, beta, 1, cov, &dev);
		m.fam = GLM_NEGBIN;
		double *mu = xmalloc(sizeof(double) * n), th_old = INFINITY;
		for (int outer = 0; outer < 100 && it >= 0; outer++) {
			for (size_t i = 0; i < n; i++)
				mu[i] = exp(linpred(d, offset, beta, i));
			m.theta = theta_ml(&m, mu, &out->theta_se);
			double dev_old = dev;
			it = irls(&m, d, beta, 0, cov, &dev);
			total += it > 0 ? it : 0;
			if (fabs(m.theta - th_old) < 1e-12 * m.theta &&
			    fabs(dev - dev_old) / (fabs(dev) + 0.1) < 1e-14)
				break;
			th_old = m.theta;
		}
		free(mu);
		out->theta = m.theta;
	} else {
		it = irls(&m, d, beta, 1, cov, &dev);
		total = it;
	}
	int rc = -1;
	if (it == -1) {
		err_set(e, "A1009", "the covariates are collinear");
		err_detail(e, "Some coefficient is not identifiable; drop a column or a level.");
		goto out;
	}
	if (fam == GLM_BINOMIAL) {
		/* Separation: the fit runs off to fitted probabilities of 0 or 1 (R warns and
		 * reports infinite-looking estimates; we refuse). */
		int extreme = 0, huge = 0;
		for (size_t i = 0; i < n; i++) {
			double eta = linpred(d, offset, beta, i);
			huge |= !isfinite(eta) || fabs(eta) > 30;
			extreme |= !isfinite(eta) || fabs(eta) > 13.8; /* p < 1e-6 or > 1 - 1e-6 */
		}
		if (huge || (it == -2 && extreme)) {
			err_set(e, "A1008", "separation: fitted probabilities of 0 or 1 occurred");
			err_detail(e, "A covariate predicts the outcome perfectly; estimates would "
				      "be infinite.");
			goto out;
		}
	}
	if (it >= 0 && fam != GLM_BINOMIAL) {
		/* A log-linear fit whose means run to 0 (counts such as 1, 0, 0 on a trend)
		 * has its maximum at infinity: the IRLS stops at a slope near -40 with a tiny
		 * standard error. R warns "fitted rates numerically 0 occurred" below 10
		 * epsilon; that is no estimate, and we refuse it. */
		for (size_t i = 0; i < n && it >= 0; i++)
			if (exp(linpred(d, offset, beta, i)) < 10 * DBL_EPSILON)
				it = -2;
	}
	if (it == -2) {
		err_set(e, "A1007", "the fit did not converge");
		err_detail(e, "The estimates run to infinity (fitted counts numerically 0, or "
			      "no convergence in 200 iterations).");
		goto out;
	}
	out->iterations = total;
	out->df_residual = (double)(n - p);
	out->deviance = dev;
	double *eta = xmalloc(sizeof(double) * n);
	double pearson = 0;
	for (size_t i = 0; i < n; i++) {
		eta[i] = linpred(d, offset, beta, i);
		double mu = mu_of(&m, i, eta[i]);
		double var = fam == GLM_BINOMIAL ? mu * (1 - mu / tri(&m, i))
			     : fam == GLM_NEGBIN ? mu + mu * mu / m.theta
						 : mu;
		pearson += (y[i] - mu) * (y[i] - mu) / var;
	}
	out->dispersion = fam == GLM_QUASIPOISSON ? pearson / out->df_residual : 1;
	out->t_statistic = fam == GLM_QUASIPOISSON;
	double ll = loglik(&m, eta);
	out->aic = fam == GLM_QUASIPOISSON ? NAN
		   : fam == GLM_NEGBIN	   ? -2 * ll + 2 * (double)(p + 1)
					   : -2 * ll + 2 * (double)p;
	free(eta);
	double z = st_normal_quantile(1 - (1 - conf) / 2);
	out->p = p;
	out->coef = xcalloc(p, sizeof *out->coef);
	for (size_t j = 0; j < p; j++) {
		struct glm_coef *c = &out->coef[j];
		c->estimate = beta[j];
		c->std_error = sqrt(out->dispersion * gsl_matrix_get(cov, j, j));
		c->statistic = c->estimate / c->std_error;
		c->p_value = out->t_statistic
				 ? 2 * gsl_cdf_tdist_Q(fabs(c->statistic), out->df_residual)
				 : 2 * gsl_cdf_ugaussian_Q(fabs(c->statistic));
		c->lower = c->estimate - z * c->std_error;
		c->upper = c->estimate + z * c->std_error;
	}
	rc = 0;
out:
	free(beta);
	gsl_matrix_free(cov);
	return rc;
}
