/* Multiple-systems estimation (see mse.h): log-linear Poisson models of the observed
 * capture patterns, fitted by the GLM of glm.c, chosen forward by AIC or BIC, with a
 * parametric bootstrap interval and diagnostics. */
#include "stats/mse.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "stats/draw.h"
#include "stats/limits.h"

#define SPARSE_LIST  10	  /* a list that saw fewer children is noted (A2004) */
#define LEAN_ON_CELL 0.25 /* a total that moves by more without one cell is noted (A2003) */
#define FAR_BEYOND   5.0  /* an unseen estimate this many times the observed is noted (A2005) */
#define MAX_EFFECT   25.0 /* |log effect| past it: an estimate that does not exist */

static void note(struct mse_result *r, const char *code, const char *fmt, ...)
{
	if (r->nnotes == MSE_MAX_NOTES)
		return;
	struct mse_note *n = &r->notes[r->nnotes++];
	snprintf(n->code, sizeof n->code, "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof n->text, fmt, ap);
	va_end(ap);
}

/* The lists of pattern w, as "LA, NG and PF". */
static void lists_of(int w, int k, const char *const *names, char *out, size_t size)
{
	size_t at = 0;
	int n = __builtin_popcount((unsigned)w), i = 0;
	out[0] = '\0';
	for (int j = 0; j < k && at < size; j++) {
		if (!(w >> j & 1))
			continue;
		const char *sep = i == 0 ? "" : i == n - 1 ? " and " : ", ";
		at += (size_t)snprintf(out + at, size - at, "%s%s", sep, names[j]);
		i++;
	}
}

/* The design of model m over the observed patterns but `without` (0: every one), with y
 * (the counts of those rows, from count[]). rows[] gets each row's pattern. */
static int build(int k, const struct mse_model *m, const char *const *names, const double *count,
		 int without, struct design *d, double *y, int *rows, size_t *n, struct wq_error *e)
{
	int ncov = k + m->npairs;
	size_t r = 0;
	for (int w = 1; w < (1 << k); w++)
		if (w != without)
			rows[r++] = w;
	double *vals = xmalloc(sizeof(double) * r * (size_t)ncov);
	struct covariate cov[MSE_MAX_LISTS + MSE_MAX_PAIRS];
	char pname[MSE_MAX_PAIRS][160];
	for (int c = 0; c < ncov; c++) {
		int a = c < k ? c : m->pair[c - k][0], b = c < k ? c : m->pair[c - k][1];
		for (size_t i = 0; i < r; i++)
			vals[(size_t)c * r + i] = (rows[i] >> a & 1) && (rows[i] >> b & 1);
		if (c >= k)
			snprintf(pname[c - k], sizeof pname[c - k], "%s:%s", names[a], names[b]);
		cov[c] = (struct covariate){c < k ? names[c] : pname[c - k], vals + (size_t)c * r,
					    NULL, NULL};
	}
	for (size_t i = 0; i < r; i++)
		y[i] = count[rows[i]];
	*n = r;
	int rc = st_design(d, r, cov, (size_t)ncov, e);
	free(vals);
	return rc;
}

/* Fits model m to count[] without pattern `without`: 0 or -1 with e set. */
static int fit(int k, const struct mse_model *m, const char *const *names, const double *count,
	       int without, double conf, struct glm_fit *f, struct design *d, size_t *n,
	       struct wq_error *e)
{
	double y[MSE_CELLS];
	int rows[MSE_CELLS];
	memset(f, 0, sizeof *f);
	if (build(k, m, names, count, without, d, y, rows, n, e) < 0)
		return -1;
	if (st_glm(GLM_POISSON, d, y, NULL, NULL, conf, f, e) < 0) {
		st_glm_free(f);
		st_design_free(d);
		return -1;
	}
	/* A maximum-likelihood estimate that does not exist (Fienberg & Rinaldo 2012): IRLS
	 * drives a list's or a pair's coefficient toward infinity (a cell's mean to 0, the
	 * unseen with it), and may still settle. A real effect of e^25 (a list that sees one
	 * child in 10^11, a dependence that multiplies the odds by as much) is no estimate
	 * either. A tiny fitted mean alone is no sign: six sparse lists' cell of all six is
	 * small. */
	int diverged = 0;
	for (size_t j = 1; j < f->p; j++)
		diverged |= !(fabs(f->coef[j].estimate) <= MAX_EFFECT);
	if (diverged) {
		st_glm_free(f);
		st_design_free(d);
		err_set(e, "A1007", "the model's estimate does not exist");
		err_detail(
		    e, "An effect goes to infinity (a cell's mean to 0, the unseen with it): the "
		       "lists' overlaps cannot carry this model.");
		return -1;
	}
	return 0;
}

/* The criterion of a fit over n cells (BIC as R's BIC(): log of the number of cells). */
static double criterion(const struct glm_fit *f, size_t n, enum mse_criterion c)
{
	return c == MSE_AIC ? f->aic : f->aic + (double)f->p * (log((double)n) - 2);
}

/* Children seen by both list a and list b. */
static double overlap(const struct mse_table *t, int a, int b)
{
	double s = 0;
	for (int w = 1; w < (1 << t->k); w++)
		if ((w >> a & 1) && (w >> b & 1))
			s += t->count[w];
	return s;
}

/* The unseen estimate of a fit: exp(intercept). */
static double unseen_of(const struct glm_fit *f)
{
	return exp(f->coef[0].estimate);
}

/* Forward selection from the main effects: at each step the admissible pair that lowers
 * the criterion most, until none does (no pair is ever removed). */
static int select_model(const struct mse_table *t, const char *const *names,
			const struct mse_options *o, struct mse_result *r, struct wq_error *e)
{
	int k = t->k;
	int usable[MSE_MAX_LISTS][MSE_MAX_LISTS] = {{0}};
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++) {
			usable[a][b] = overlap(t, a, b) > 0;
			if (!usable[a][b])
				note(r, "A2001",
				     "Lists %s and %s share no child: their dependence cannot be "
				     "estimated, and the model assumes none.",
				     names[a], names[b]);
		}
	struct mse_model m = {0};
	struct glm_fit f;
	struct design d;
	size_t n;
	if (fit(k, &m, names, t->count, 0, o->conf, &f, &d, &n, e) < 0)
		return -1;
	double best = criterion(&f, n, o->criterion);
	st_glm_free(&f);
	st_design_free(&d);
	r->steps[r->nsteps++] = (struct mse_step){-1, -1, best};
	int skipped = 0;
	for (;;) {
		int ba = -1, bb = -1;
		double bc = best;
		for (int a = 0; a < k; a++)
			for (int b = a + 1; b < k; b++) {
				int in = 0;
				for (int q = 0; q < m.npairs; q++)
					in |= m.pair[q][0] == a && m.pair[q][1] == b;
				if (in || !usable[a][b])
					continue;
				struct mse_model c = m;
				c.pair[c.npairs][0] = (unsigned char)a;
				c.pair[c.npairs][1] = (unsigned char)b;
				c.npairs++;
				struct wq_error ce = {0};
				if (fit(k, &c, names, t->count, 0, o->conf, &f, &d, &n, &ce) < 0) {
					skipped++;
					continue;
				}
				double v = criterion(&f, n, o->criterion);
				st_glm_free(&f);
				st_design_free(&d);
				/* A tie goes to the earlier pair: the choice never depends on
				 * rounding in the last digit. */
				if (v < bc - 1e-9) {
					bc = v;
					ba = a;
					bb = b;
				}
			}
		if (ba < 0)
			break;
		m.pair[m.npairs][0] = (unsigned char)ba;
		m.pair[m.npairs][1] = (unsigned char)bb;
		m.npairs++;
		best = bc;
		r->steps[r->nsteps++] = (struct mse_step){ba, bb, bc};
	}
	if (skipped)
		note(r, "A2002",
		     "%d candidate models did not converge or have no estimate (an interaction the "
		     "data cannot bound) and were left out of the selection.",
		     skipped);
	r->model = m;
	return 0;
}

/* The pairs of m that count[] (without pattern `without`) can carry: those two lists
 * share at least one child. */
static struct mse_model carried(const struct mse_model *m, int k, const double *count, int without)
{
	struct mse_model c = {0};
	for (int q = 0; q < m->npairs; q++) {
		int a = m->pair[q][0], b = m->pair[q][1];
		double s = 0;
		for (int w = 1; w < (1 << k); w++)
			if (w != without && (w >> a & 1) && (w >> b & 1))
				s += count[w];
		if (s > 0) {
			c.pair[c.npairs][0] = (unsigned char)a;
			c.pair[c.npairs][1] = (unsigned char)b;
			c.npairs++;
		}
	}
	return c;
}

static const char *children(double n)
{
	return n == 1 ? "child" : "children";
}

/* The type-7 quantile p of n sorted finite values followed by `unbounded` values of
 * +infinity: +infinity where the quantile reaches them. */
static double quantile_with_unbounded(const double *sorted, size_t n, size_t unbounded, double p)
{
	double h = (double)(n + unbounded - 1) * p;
	size_t lo = (size_t)floor(h);
	if (lo >= n || (lo + 1 >= n && h > (double)lo && unbounded))
		return INFINITY;
	if (lo + 1 >= n)
		return sorted[lo];
	return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* The parametric bootstrap of the total's error: tables drawn from the fitted model (and
 * noised as published), the model chosen again (or, with reselect off, refitted) and its
 * total compared with the table's true one, the unseen included; the interval is the
 * total minus the error's quantiles (the basic bootstrap: the unseen cell is random, not
 * a parameter). */
static void bootstrap(const struct mse_table *t, const char *const *names,
		      const struct mse_options *o, const double *mu, struct mse_result *r)
{
	int k = t->k;
	double *err = xmalloc(sizeof(double) * (size_t)o->resamples);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, o->seed);
	int failed = 0;
	for (int s = 0; s < o->resamples; s++) {
		double truth[MSE_CELLS] = {0}, seen[MSE_CELLS] = {0}, true_total = 0, published = 0;
		for (int w = 1; w < (1 << k); w++) {
			truth[w] = st_draw_poisson(g, mu[w]);
			seen[w] = truth[w];
			if (o->noise_scale > 0)
				seen[w] = fmax(0, truth[w] + st_draw_dlaplace(g, o->noise_scale));
			true_total += truth[w];
			published += seen[w];
		}
		true_total += st_draw_poisson(g, mu[0]);
		/* A pair whose children the resample lost cannot be estimated (its MLE does
		 * not exist): refitted without it, as the selection would have left it out. */
		struct mse_model m = carried(&r->model, k, seen, 0);
		if (o->reselect && !o->fixed) {
			/* The model chosen again, as it would have been from this table: the
			 * interval then carries the uncertainty of the choice too. */
			struct mse_table bt = {k, {0}};
			memcpy(bt.count, seen, sizeof bt.count);
			struct mse_result *scratch = xcalloc(1, sizeof *scratch);
			struct wq_error se = {0};
			int chosen = select_model(&bt, names, o, scratch, &se) == 0;
			if (chosen)
				m = scratch->model;
			free(scratch);
			if (!chosen) {
				failed++;
				continue;
			}
		}
		struct glm_fit f;
		struct design d;
		size_t n;
		struct wq_error e = {0};
		if (fit(k, &m, names, seen, 0, o->conf, &f, &d, &n, &e) < 0) {
			failed++;
			continue;
		}
		err[r->resamples_used++] = published + unseen_of(&f) - true_total;
		st_glm_free(&f);
		st_design_free(&d);
	}
	gsl_rng_free(g);
	if (failed)
		note(r, "A2006",
		     "%d of %d bootstrap tables have no estimate (the lists' overlaps in them "
		     "cannot "
		     "carry the model): each counts as an error without bound, which lowers the "
		     "interval's lower end.",
		     failed, o->resamples);
	if (r->resamples_used >= 20) {
		/* The tables without an estimate are the errors above every other, unbounded. */
		gsl_sort(err, 1, (size_t)r->resamples_used);
		double a = (1 - o->conf) / 2;
		double hi =
		    quantile_with_unbounded(err, (size_t)r->resamples_used, (size_t)failed, 1 - a);
		double lo =
		    quantile_with_unbounded(err, (size_t)r->resamples_used, (size_t)failed, a);
		r->lower = isfinite(hi) ? fmax(r->observed, r->total - hi) : r->observed;
		r->upper = isfinite(lo) ? r->total - lo : NAN;
	}
	free(err);
}

/* The cells the estimate leans on: refitted without each (and without the interactions
 * that only it carried), the total moves by more than a quarter, or cannot be estimated. */
static void lean(const struct mse_table *t, const char *const *names, const struct mse_options *o,
		 struct mse_result *r)
{
	int k = t->k;
	for (int w = 1; w < (1 << k); w++) {
		if (!(t->count[w] > 0))
			continue;
		char who[200];
		lists_of(w, k, names, who, sizeof who);
		struct mse_model m = carried(&r->model, k, t->count, w);
		if (m.npairs < r->model.npairs) {
			/* The pairs only this cell carried, by name. */
			char lost[240] = "";
			for (int q = 0, at = 0; q < r->model.npairs; q++) {
				int kept = 0;
				for (int c = 0; c < m.npairs; c++)
					kept |= !memcmp(m.pair[c], r->model.pair[q], 2);
				if (!kept && at < (int)sizeof lost)
					at += snprintf(lost + at, sizeof lost - (size_t)at,
						       "%s%s and %s", at ? "; " : "",
						       names[r->model.pair[q][0]],
						       names[r->model.pair[q][1]]);
			}
			note(r, "A2003",
			     "Only the %.0f %s seen by %s only show how %s depend on each other: "
			     "the "
			     "estimate rests on that one cell.",
			     t->count[w], children(t->count[w]), who, lost);
			continue;
		}
		struct glm_fit f;
		struct design d;
		size_t n;
		struct wq_error e = {0};
		if (fit(k, &m, names, t->count, w, o->conf, &f, &d, &n, &e) < 0) {
			note(r, "A2003",
			     "The model cannot be fitted without the %.0f %s seen by %s only: the "
			     "estimate rests on that one cell.",
			     t->count[w], children(t->count[w]), who);
			continue;
		}
		double total = r->observed + unseen_of(&f);
		st_glm_free(&f);
		st_design_free(&d);
		if (fabs(total - r->total) > LEAN_ON_CELL * r->total)
			note(r, "A2003",
			     "Without the %.0f %s seen by %s only, the estimated total would be "
			     "%.0f "
			     "instead of %.0f: the estimate leans on that one cell.",
			     t->count[w], children(t->count[w]), who, total, r->total);
	}
}

/* Cells fitted by the bootstrap at the most: 200 resamples choosing among six lists' 15
 * pairs (121 fits of 63 cells each) took about 8 s here. */
#define MAX_BOOTSTRAP_CELLS 1500000

int st_mse_max_resamples(int k, int reselect)
{
	int pairs = k * (k - 1) / 2, cells = (1 << k) - 1;
	long fits = reselect ? (long)pairs * (pairs + 1) / 2 + 1 : 1;
	long n = MAX_BOOTSTRAP_CELLS / (fits * cells);
	return n > 10000 ? 10000 : (int)n;
}

static int check(const struct mse_table *t, const char *const *names, const struct mse_options *o,
		 struct wq_error *e)
{
	if (t->k < MSE_MIN_LISTS || t->k > MSE_MAX_LISTS)
		return err_set(e, "A1001",
			       "multiple-systems estimation takes %d to %d lists, not %d",
			       MSE_MIN_LISTS, MSE_MAX_LISTS, t->k);
	for (int w = 1; w < (1 << t->k); w++) {
		char what[64];
		snprintf(what, sizeof what, "the count of pattern %d", w);
		if (st_check_count(t->count[w], what, e) < 0)
			return -1;
	}
	if (o->fixed)
		for (int q = 0; q < o->fixed->npairs; q++) {
			int a = o->fixed->pair[q][0], b = o->fixed->pair[q][1];
			if (a >= b || b >= t->k)
				return err_set(
				    e, "A1001",
				    "interaction %d of the model is not two of the %d lists", q + 1,
				    t->k);
		}
	if (!(o->conf > 0 && o->conf < 1) || o->resamples < 0 || !(o->noise_scale >= 0))
		return err_set(e, "A1001", "conf, resamples or noise_scale out of range");
	int most = st_mse_max_resamples(t->k, o->reselect && !o->fixed);
	if (o->resamples > most) {
		err_set(e, "A1010", "%d resamples of %d lists are more than %d", o->resamples, t->k,
			most);
		err_detail(e,
			   "Each resample %s; at most %d keep the bootstrap within seconds "
			   "(docs/methods.md, Limits).",
			   o->reselect && !o->fixed ? "chooses the model again"
						    : "refits the model",
			   most);
		return -1;
	}
	for (int j = 0; j < t->k; j++) {
		double s = 0;
		for (int w = 1; w < (1 << t->k); w++)
			if (w >> j & 1)
				s += t->count[w];
		if (s == 0) {
			err_set(e, "A1002", "list %s saw no child", names[j]);
			err_detail(
			    e, "A list without children says nothing of the others; leave it out.");
			return -1;
		}
	}
	double shared = 0;
	for (int w = 1; w < (1 << t->k); w++)
		if (__builtin_popcount((unsigned)w) > 1)
			shared += t->count[w];
	if (shared == 0) {
		err_set(e, "A1002", "no child was seen by two lists");
		err_detail(e, "The estimate of the unseen rests on how the lists overlap; lists "
			      "that never overlap cannot give one.");
		return -1;
	}
	return 0;
}

int st_mse(const struct mse_table *t, const char *const *names, const struct mse_options *o,
	   struct mse_result *r, struct wq_error *e)
{
	memset(r, 0, sizeof *r);
	r->lower = r->upper = NAN;
	if (check(t, names, o, e) < 0)
		return -1;
	int k = t->k;
	for (int w = 1; w < (1 << k); w++)
		r->observed += t->count[w];
	if (o->fixed)
		r->model = *o->fixed;
	else if (select_model(t, names, o, r, e) < 0)
		return -1;
	size_t n;
	if (fit(k, &r->model, names, t->count, 0, o->conf, &r->fit, &r->design, &n, e) < 0)
		return -1;
	r->aic = r->fit.aic;
	r->bic = criterion(&r->fit, n, MSE_BIC);
	r->unseen = unseen_of(&r->fit);
	r->total = r->observed + r->unseen;
	r->wald_lower = r->observed + exp(r->fit.coef[0].lower);
	r->wald_upper = r->observed + exp(r->fit.coef[0].upper);
	if (!(r->total <= ST_MAX_COUNT)) {
		st_mse_free(r);
		err_set(e, "A1011", "the estimated total is past %.0f", ST_MAX_COUNT);
		err_detail(e,
			   "The lists overlap too little for this model to say how many children "
			   "none of them saw.");
		return -1;
	}
	for (int j = 0; j < k; j++) {
		double s = 0;
		for (int w = 1; w < (1 << k); w++)
			if (w >> j & 1)
				s += t->count[w];
		if (s < SPARSE_LIST)
			note(r, "A2004",
			     "List %s saw only %.0f %s: its overlaps are too few to say much.",
			     names[j], s, children(s));
	}
	if (r->unseen > FAR_BEYOND * r->observed)
		note(r, "A2005",
		     "The estimate of the unseen is more than %.0f times the children seen: the "
		     "lists overlap little, and the estimate rests on few shared children.",
		     FAR_BEYOND);
	lean(t, names, o, r);
	if (o->resamples > 0) {
		/* The fitted mean of every pattern, the unseen's included. */
		double mu[MSE_CELLS];
		for (int w = 0; w < (1 << k); w++) {
			double eta = r->fit.coef[0].estimate;
			for (int j = 0; j < k; j++)
				eta += (w >> j & 1) * r->fit.coef[1 + j].estimate;
			for (int q = 0; q < r->model.npairs; q++)
				eta += ((w >> r->model.pair[q][0] & 1) &&
					(w >> r->model.pair[q][1] & 1)) *
				       r->fit.coef[1 + k + q].estimate;
			mu[w] = exp(eta);
		}
		bootstrap(t, names, o, mu, r);
	}
	return 0;
}

void st_mse_free(struct mse_result *r)
{
	st_glm_free(&r->fit);
	st_design_free(&r->design);
}
