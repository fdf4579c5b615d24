/* Generalised linear models by iteratively reweighted least squares: binomial (logit),
 * Poisson (log, with offset), quasi-Poisson, negative binomial (theta by maximum
 * likelihood, as MASS::glm.nb), with Wald intervals. And the design matrix in R's
 * treatment coding. */
#ifndef WQ_GLM_H
#define WQ_GLM_H

#include <stddef.h>

#include "common/error.h"

enum glm_family { GLM_BINOMIAL, GLM_POISSON, GLM_QUASIPOISSON, GLM_NEGBIN };

/* A design matrix: n rows, p columns (row-major), with R's coefficient names. */
struct design {
	size_t n, p;
	double *x;
	char **names;
};

/* A covariate: numeric (values) or a factor (levels, one string per row). */
struct covariate {
	const char *name;
	const double *values;	   /* numeric, or NULL */
	const char *const *levels; /* factor, or NULL */
	const char *reference; /* factor: the reference level, NULL for the first in byte order */
};

/* Builds intercept + covariates in the given order; factors in treatment coding with
 * levels in byte order (strcmp), named factor name + level. Returns 0 or -1 with e set
 * (A1001 a reference level that does not occur). Free with st_design_free. */
int st_design(struct design *d, size_t n, const struct covariate *cov, size_t ncov,
	      struct wq_error *e);
void st_design_free(struct design *d);

struct glm_coef {
	double estimate, std_error, statistic, p_value, lower, upper;
};

struct glm_fit {
	size_t p;
	struct glm_coef *coef;			       /* malloc'd, p entries */
	double deviance, df_residual, dispersion, aic; /* aic NAN for quasi-Poisson */
	double theta, theta_se;			       /* negative binomial only */
	int iterations, t_statistic;		       /* t (quasi-Poisson) or z */
};

/* Fits y on d. trials: binomial trials per row (NULL: 0/1 outcomes); offset may be NULL.
 * Returns 0, or -1 with e set: A1001 bad data (negative counts, y > trials, n <= p),
 * A1007 no convergence, A1008 separation (fitted probabilities 0 or 1), A1009 collinear
 * columns. Free with st_glm_free. */
int st_glm(enum glm_family fam, const struct design *d, const double *y, const double *trials,
	   const double *offset, double conf, struct glm_fit *out, struct wq_error *e);
void st_glm_free(struct glm_fit *f);

#endif
