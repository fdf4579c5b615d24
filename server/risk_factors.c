/* GET /api/v1/risk-factors: who is most at risk once the other factors are accounted
 * for. One protected table (the factors as dimensions) and a GLM on its published cells:
 *  - a rate: Poisson regression of the noisy counts with the log population as offset,
 *    exp(coefficient) an incidence rate ratio;
 *  - a proportion: logistic regression of the noisy numerators in their noisy
 *    denominators, exp(coefficient) an odds ratio.
 * When the Pearson statistic exceeds its chi-square(df) quantile at RISK_DISPERSION_LEVEL
 * (the cells vary more than a Poisson or binomial variance allows, at 5%), the standard
 * errors are scaled by the square root of the dispersion and tested with t (quasi-Poisson,
 * quasi-binomial): the estimates stay those of the likelihood fit, only their uncertainty
 * widens, whatever the source of the extra variation (children reported together, such as
 * siblings; heterogeneity between cells; the disclosure noise). docs/methods.md says why
 * this and not the negative binomial. Cells suppressed or without a population are left
 * out and counted. A model that cannot be fitted is a 409 with the library's reason. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "common/xalloc.h"
#include "server/respond.h"
#include "server/routes.h"
#include "stats/glm.h"
#include "stats/quantile.h"

#define RISK_DISPERSION_LEVEL 0.95
#define RISK_MAX_FACTORS      4

/* factors=a,b,c into names; -1 with resp set. */
static int factor_names(struct http_request *req, char names[][64], int *n,
			struct http_response *resp)
{
	const char *f = http_query(req, "factors");
	*n = 0;
	if (!f || !*f) {
		http_problem_param(resp, "Q1006", "the parameter \"factors\" is required",
				   "factors", "a comma-separated list of dimensions");
		return -1;
	}
	while (*f) {
		size_t len = strcspn(f, ",");
		if (len == 0 || len >= 64 || *n == RISK_MAX_FACTORS) {
			http_problem_param(resp, "Q1005", "too many or empty factors", "factors",
					   "at most 4 dimensions, comma-separated");
			return -1;
		}
		snprintf(names[*n], 64, "%.*s", (int)len, f);
		(*n)++;
		f += len + (f[len] == ',');
	}
	return 0;
}

/* reference=dim:level,dim:level: the level each factor is compared with. */
static const char *reference_of(struct http_request *req, const char *dim, char *buf, size_t cap)
{
	const char *r = http_query(req, "reference");
	size_t dl = strlen(dim);
	while (r && *r) {
		size_t len = strcspn(r, ",");
		if (len > dl + 1 && !strncmp(r, dim, dl) && r[dl] == ':') {
			snprintf(buf, cap, "%.*s", (int)(len - dl - 1), r + dl + 1);
			return buf;
		}
		r += len + (r[len] == ',');
	}
	return NULL;
}

static size_t distinct(const char *const *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < i && strcmp(v[j], v[i]) != 0)
			j++;
		k += j == i;
	}
	return k;
}

static int usable(const struct pcell *c)
{
	return isfinite(c->num) && isfinite(c->den) && c->den > 0 && c->status != CELL_SUPPRESSED &&
	       c->status != CELL_NO_DENOMINATOR;
}

/* The level of factor i with the largest denominator: the most precise reference. */
static const char *largest(const struct answer *a, int i)
{
	/* The levels in the order they first occur, each with its usable denominator. */
	const char **level = xcalloc(a->n + 1, sizeof *level);
	double *den = xcalloc(a->n + 1, sizeof *den);
	size_t n = 0;
	for (size_t r = 0; r < a->n; r++) {
		const char *v = a->cells[r].values[i];
		if (!v || !usable(&a->cells[r]))
			continue;
		size_t k = 0;
		while (k < n && strcmp(level[k], v) != 0)
			k++;
		if (k == n)
			level[n++] = v;
		den[k] += a->cells[r].den;
	}
	const char *best = NULL;
	for (size_t k = 0, top = 0; k < n; k++)
		if (!best || den[k] > den[top]) {
			best = level[k];
			top = k;
		}
	free(level);
	free(den);
	return best;
}

void risk_factors_get(struct http_request *req, struct http_response *resp)
{
	struct respond_form form;
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	char names[RISK_MAX_FACTORS][64], refbuf[RISK_MAX_FACTORS][96];
	const char *dims[RISK_MAX_FACTORS];
	int nf;
	struct query q;
	struct answer a;
	if (respond_check(req, &form, resp) < 0 || factor_names(req, names, &nf, resp) < 0)
		return;
	for (int i = 0; i < nf; i++)
		dims[i] = names[i];
	if (respond_query(req, &q, http_query(req, "indicator"), dims, nf, "factors", resp) < 0)
		return;
	if (q.ind->type == IND_COUNT) {
		http_problem(resp, 409, "Q1018", "risk factors need a rate or a proportion",
			     "A count has no denominator to compare groups by.",
			     "Use victim_rate, or a proportion such as revictimisation_12m.");
		return;
	}
	for (int i = 0; i < nf; i++)
		if (q.dims[i].dim->multi) {
			http_problem(resp, 409, "Q1018",
				     "a multi-valued dimension cannot be a factor",
				     "A child counts once in each of its offences or technologies, "
				     "so their cells are not independent.",
				     NULL);
			return;
		}
	if (respond_protect(req, &q, who, &a, resp) < 0) {
		respond_audit(req, &q, resp->status, NULL);
		return;
	}

	/* The rows of the model: the usable cells. */
	size_t n = 0, excluded = 0;
	double *y = xcalloc(a.n + 1, sizeof(double)), *trials = xcalloc(a.n + 1, sizeof(double)),
	       *offset = xcalloc(a.n + 1, sizeof(double));
	const char **levels = xcalloc((a.n + 1) * (size_t)nf, sizeof(char *));
	for (size_t r = 0; r < a.n; r++) {
		const struct pcell *c = &a.cells[r];
		int ok = usable(c);
		for (int i = 0; i < nf; i++)
			ok &= c->values[i] != NULL;
		if (!ok) {
			excluded++;
			continue;
		}
		double num = c->num < 0 ? 0 : c->num;
		y[n] = q.ind->type == IND_PROPORTION && num > c->den ? c->den : num;
		trials[n] = c->den;
		offset[n] = log(c->den);
		for (int i = 0; i < nf; i++)
			levels[(size_t)i * (a.n + 1) + n] = c->values[i];
		n++;
	}
	struct covariate cov[RISK_MAX_FACTORS];
	const char *refs[RISK_MAX_FACTORS];
	for (int i = 0; i < nf; i++) {
		refs[i] = reference_of(req, q.dims[i].dim->name, refbuf[i], sizeof refbuf[i]);
		if (!refs[i])
			refs[i] = largest(&a, i);
		cov[i] = (struct covariate){q.dims[i].dim->name, NULL,
					    levels + (size_t)i * (a.n + 1), refs[i]};
	}
	struct design d = {0};
	struct glm_fit f = {0};
	struct wq_error e;
	int proportion = q.ind->type == IND_PROPORTION;
	int rc = n == 0 ? err_set(&e, "A1001", "no cell of this table can enter a model")
			: st_design(&d, n, cov, (size_t)nf, &e);
	/* A model needs a cell more than its coefficients: a saturated one (which the library
	 * fits, as R does) leaves nothing to judge its dispersion by (docs/indicators.md). */
	if (rc == 0 && n <= d.p)
		rc = err_set(&e, "A1001", "need more cells (%zu) than coefficients (%zu)", n, d.p);
	if (rc == 0)
		rc = st_glm(proportion ? GLM_BINOMIAL : GLM_POISSON, &d, y,
			    proportion ? trials : NULL, proportion ? NULL : offset, 0.95, &f, &e);
	if (rc < 0) {
		if (!strcmp(e.code, "A1001") && n > 0)
			err_detail(&e,
				   "%zu cells could enter the model, %zu were suppressed or "
				   "without a denominator.",
				   n, excluded);
		err_hint(&e, "Use fewer factors or fewer levels, or drop a filter.");
		http_problem_error(resp, 409, &e);
	} else {
		/* Pearson dispersion of the likelihood fit. */
		double pearson = 0;
		for (size_t i = 0; i < n; i++) {
			double eta = proportion ? 0 : offset[i];
			for (size_t j = 0; j < d.p; j++)
				eta += d.x[i * d.p + j] * f.coef[j].estimate;
			double mu = proportion ? trials[i] / (1 + exp(-eta)) : exp(eta);
			double var = proportion ? mu * (1 - mu / trials[i]) : mu;
			pearson += var > 0 ? (y[i] - mu) * (y[i] - mu) / var : 0;
		}
		double phi = f.df_residual > 0 ? pearson / f.df_residual : NAN;
		double threshold =
		    f.df_residual > 0
			? gsl_cdf_chisq_Pinv(RISK_DISPERSION_LEVEL, f.df_residual) / f.df_residual
			: NAN;
		int quasi = isfinite(phi) && phi > threshold;
		double scale = quasi ? sqrt(phi) : 1;
		double crit =
		    quasi ? gsl_cdf_tdist_Pinv(0.975, f.df_residual) : st_normal_quantile(0.975);
		json_t *headers = json_array(), *rows = json_array(), *items = json_object();
		static const char *const cols[] = {"factor",   "level",	      "reference",
						   "estimate", "lower",	      "upper",
						   "p_value",  "coefficient", "std_error"};
		for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
			json_array_append_new(headers, json_pack("{s:s}", "name", cols[i]));
		size_t col = 1;
		for (int i = 0; i < nf; i++) {
			/* st_design's columns: each factor's levels but the reference, in byte
			 * order, named factor + level. */
			size_t flen = strlen(q.dims[i].dim->name);
			size_t last = col + distinct(levels + (size_t)i * (a.n + 1), n) - 1;
			for (; col < last && col < d.p; col++) {
				const struct glm_coef *c = &f.coef[col];
				const char *level = d.names[col] + flen;
				double se = c->std_error * scale, stat = c->estimate / se;
				double p = quasi ? 2 * gsl_cdf_tdist_Q(fabs(stat), f.df_residual)
						 : 2 * gsl_cdf_ugaussian_Q(fabs(stat));
				json_array_append_new(
				    rows, json_pack("[s,s,s,o,o,o,o,o,o]", q.dims[i].dim->name,
						    level, refs[i], respond_num(exp(c->estimate)),
						    respond_num(exp(c->estimate - crit * se)),
						    respond_num(exp(c->estimate + crit * se)),
						    respond_num(p), respond_num(c->estimate),
						    respond_num(se)));
				respond_add_label(items, srv, q.dims[i].dim, level);
			}
			respond_add_label(items, srv, q.dims[i].dim, refs[i]);
		}
		const char *model = proportion ? (quasi ? "quasi-binomial (logit)" : "logistic")
					       : (quasi ? "quasi-Poisson, log population offset"
							: "Poisson, log population offset");
		json_t *fit = json_pack(
		    "{s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:o,s:I,s:I,s:i}", "model", model, "ratio",
		    proportion ? "odds ratio" : "incidence rate ratio", "deviance",
		    respond_num(f.deviance), "df_residual", respond_num(f.df_residual),
		    "pearson_dispersion", respond_num(phi), "dispersion_threshold",
		    respond_num(threshold), "overdispersed", quasi, "aic",
		    respond_num(quasi ? NAN : f.aic), "cells_used", (json_int_t)n, "cells_excluded",
		    (json_int_t)excluded, "iterations", f.iterations);
		json_t *doc = json_pack(
		    "{s:o,s:o,s:o,s:o,s:o}", "indicator", respond_indicator(q.ind), "headers",
		    headers, "rows", rows, "fit", fit, "metaData",
		    respond_meta(srv, &a, role_name(who->role), items,
				 "a GLM on the published (noisy) cells: IRLS as R's glm, Wald "
				 "intervals (95%); quasi-likelihood standard errors above the "
				 "dispersion threshold (docs/methods.md)"));
		json_object_set_new(doc, "intercept",
				    json_pack("{s:o,s:o}", "estimate",
					      respond_num(exp(f.coef[0].estimate)), "coefficient",
					      respond_num(f.coef[0].estimate)));
		respond_send(&form, doc, resp);
	}
	respond_audit(req, &q, resp->status, &a);
	st_glm_free(&f);
	st_design_free(&d);
	free(y);
	free(trials);
	free(offset);
	free(levels);
	answer_free(&a);
}
