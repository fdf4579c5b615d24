/* Nowcasting late reports (see nowcast.h). The Poisson model of a reporting triangle
 * whose observed cells form a staircase (a period observed at least as far as any later
 * one) has its maximum-likelihood fit in closed form, the chain ladder (Mack 1991;
 * Renshaw & Verrall 1998): development factors from the column sums of the cumulative
 * triangle, each period's total its latest cumulative count times the factors still
 * ahead of it, each cell's mean that total times its delay's share. So a fit costs a pass
 * over the triangle, and the bootstrap can afford thousands of them. tests/stats/nowcast.R
 * holds the fit to R's glm(count ~ factor(period) + factor(delay), poisson). */
#include "stats/nowcast.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "stats/draw.h"
#include "stats/limits.h"

/* The chain-ladder fit of counts (last[t]: the last observed delay of period t): each
 * period's total and each delay's share. -1 when a delay's column carries nothing to
 * develop from (its earlier cumulative counts all 0). */
static int ladder(size_t T, size_t D, const double *counts, const size_t *last, double *total,
		  double *share)
{
	/* f[d]: cumulative at d + 1 over at d, over the periods observed at d + 1; a running
	 * cumulative count per period keeps it one pass over the triangle. */
	double *f = xmalloc(sizeof(double) * D), *cum = xcalloc(T, sizeof(double));
	for (size_t d = 0; d + 1 < D; d++) {
		double num = 0, den = 0;
		for (size_t t = 0; t < T; t++) {
			cum[t] += counts[t * D + d];
			if (last[t] < d + 1)
				continue;
			den += cum[t];
			num += cum[t] + counts[t * D + d + 1];
		}
		if (!(den > 0)) {
			free(f);
			free(cum);
			return -1;
		}
		f[d] = num / den;
	}
	/* The share of a period's reports known by delay d: 1 / the factors from d on. */
	double before = 0, q = 1;
	for (size_t k = 0; k + 1 < D; k++)
		q /= f[k];
	for (size_t d = 0; d < D; d++) {
		share[d] = q - before;
		before = q;
		if (d + 1 < D)
			q *= f[d];
	}
	for (size_t t = 0; t < T; t++) {
		double c = 0, known = 0;
		for (size_t k = 0; k <= last[t]; k++) {
			c += counts[t * D + k];
			known += share[k];
		}
		total[t] = known > 0 ? c / known : NAN;
	}
	free(f);
	free(cum);
	return 0;
}

/* The over-dispersed Poisson draw of mean mu and dispersion phi >= 1: phi Poisson(mu / phi). */
static double odp(gsl_rng *g, double mu, double phi)
{
	return phi * st_draw_poisson(g, mu / phi);
}

/* Cells drawn by the bootstrap at the most: 15 million took about 3.5 s here. */
#define MAX_BOOTSTRAP_CELLS 15000000

int st_nowcast_max_resamples(size_t periods, size_t delays)
{
	size_t cells = periods * delays, n = MAX_BOOTSTRAP_CELLS / (cells > 0 ? cells : 1);
	return n > 10000 ? 10000 : (int)n;
}

static int check(const struct nowcast_input *in, size_t *last, struct wq_error *e)
{
	size_t T = in->periods, D = in->delays;
	if (T < 2 || D < 2 || T > NOWCAST_MAX_PERIODS || D > NOWCAST_MAX_DELAYS)
		return err_set(
		    e, "A1001",
		    "a reporting triangle of 2 to %d periods and 2 to %d delays, not %zu x %zu",
		    NOWCAST_MAX_PERIODS, NOWCAST_MAX_DELAYS, T, D);
	if (!(in->conf > 0 && in->conf < 1) || in->resamples < 0 || !(in->noise_scale >= 0) ||
	    !(in->provisional_below >= 0 && in->provisional_below <= 1))
		return err_set(e, "A1001",
			       "conf, resamples, noise_scale or provisional_below out of range");
	int most = st_nowcast_max_resamples(T, D);
	if (in->resamples > most) {
		err_set(e, "A1010", "%d resamples of a %zu x %zu triangle are more than %d",
			in->resamples, T, D, most);
		err_detail(e,
			   "Each resample draws every cell; at most %d keep the bootstrap within "
			   "seconds (docs/methods.md, Limits).",
			   most);
		return -1;
	}
	size_t seen_to = D; /* the staircase: no period observed further than an earlier one */
	for (size_t t = 0; t < T; t++) {
		size_t n = 0;
		while (n < D && isfinite(in->counts[t * D + n]))
			n++;
		for (size_t d = n; d < D; d++)
			if (!isnan(in->counts[t * D + d]))
				return err_set(
				    e, "A1001",
				    "period %zu has a count at delay %zu after a missing one "
				    "(a report at a delay is known before one at a longer delay)",
				    t + 1, d);
		if (n == 0)
			return err_set(e, "A1001", "period %zu has no observed delay", t + 1);
		if (n > seen_to)
			return err_set(
			    e, "A1001",
			    "period %zu is observed further than period %zu before it "
			    "(periods oldest first, each at most as far as the one before)",
			    t + 1, t);
		seen_to = n;
		last[t] = n - 1;
		for (size_t d = 0; d < n; d++) {
			char what[64];
			snprintf(what, sizeof what, "the count of period %zu, delay %zu", t + 1, d);
			if (st_check_count(in->counts[t * D + d], what, e) < 0)
				return -1;
		}
	}
	if (last[0] + 1 < D)
		return err_set(e, "A1001",
			       "delay %zu is never observed: the triangle says nothing of it",
			       last[0] + 1);
	return 0;
}

/* Deviance and Pearson dispersion of the fit over the observed cells; the dispersion net
 * of the published cells' noise (its variance is no over-dispersion of the reports, and
 * the bootstrap adds it again). */
static void goodness(const struct nowcast_input *in, const size_t *last, struct nowcast_result *r)
{
	size_t T = in->periods, D = in->delays, n = 0;
	double dev = 0, chi = 0;
	double noise = in->noise_scale > 0 ? st_dlaplace_variance(in->noise_scale) : 0;
	for (size_t t = 0; t < T; t++)
		for (size_t d = 0; d <= last[t]; d++) {
			double y = in->counts[t * D + d],
			       mu = r->period[t].estimate * r->delay_share[d];
			n++;
			if (mu > 0) {
				dev += 2 * ((y > 0 ? y * log(y / mu) : 0) - (y - mu));
				chi += ((y - mu) * (y - mu) - noise) / mu;
			}
		}
	r->deviance = dev;
	r->df_residual = (double)n - (double)(T + D - 1);
	r->dispersion = r->df_residual > 0 ? chi / r->df_residual : NAN;
}

static void bootstrap(const struct nowcast_input *in, const size_t *last, struct nowcast_result *r)
{
	size_t T = in->periods, D = in->delays;
	double phi = isfinite(r->dispersion) && r->dispersion > 1 ? r->dispersion : 1;
	double *err = xmalloc(sizeof(double) * T * (size_t)in->resamples);
	double *sim = xmalloc(sizeof(double) * T * D), *total = xmalloc(sizeof(double) * T),
	       *share = xmalloc(sizeof(double) * D), *truth = xmalloc(sizeof(double) * T),
	       *published = xmalloc(sizeof(double) * T);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, in->seed);
	int used = 0;
	for (int s = 0; s < in->resamples; s++) {
		for (size_t t = 0; t < T; t++) {
			truth[t] = published[t] = 0;
			for (size_t d = 0; d < D; d++) {
				double mu = r->period[t].estimate * r->delay_share[d];
				double y = odp(g, mu, phi);
				truth[t] += y;
				sim[t * D + d] = NAN;
				if (d <= last[t]) {
					if (in->noise_scale > 0)
						y = fmax(0,
							 y + st_draw_dlaplace(g, in->noise_scale));
					sim[t * D + d] = y;
					published[t] += y;
				}
			}
		}
		if (ladder(T, D, sim, last, total, share) < 0)
			continue;
		for (size_t t = 0; t < T; t++) {
			double rest = 0;
			for (size_t d = last[t] + 1; d < D; d++)
				rest += total[t] * share[d];
			err[(size_t)used * T + t] = published[t] + rest - truth[t];
		}
		used++;
	}
	gsl_rng_free(g);
	r->resamples_used = used;
	if (used >= 20) {
		double *col = xmalloc(sizeof(double) * (size_t)used), a = (1 - in->conf) / 2;
		for (size_t t = 0; t < T; t++) {
			for (int s = 0; s < used; s++)
				col[s] = err[(size_t)s * T + t];
			gsl_sort(col, 1, (size_t)used);
			struct nowcast_period *p = &r->period[t];
			/* Never below what was reported, when that is known exactly; a noisy
			 * count may be above the truth, by its noise (the error carries it). */
			p->lower = p->estimate -
				   gsl_stats_quantile_from_sorted_data(col, 1, (size_t)used, 1 - a);
			p->lower =
			    in->noise_scale > 0 ? fmax(0, p->lower) : fmax(p->observed, p->lower);
			p->upper = fmax(p->lower, p->estimate - gsl_stats_quantile_from_sorted_data(
								    col, 1, (size_t)used, a));
		}
		free(col);
	}
	free(err);
	free(sim);
	free(total);
	free(share);
	free(truth);
	free(published);
}

int st_nowcast(const struct nowcast_input *in, struct nowcast_result *r, struct wq_error *e)
{
	memset(r, 0, sizeof *r);
	size_t T = in->periods, D = in->delays;
	size_t *last = xcalloc(T ? T : 1, sizeof *last);
	if (check(in, last, e) < 0) {
		free(last);
		return -1;
	}
	double *total = xmalloc(sizeof(double) * T);
	r->periods = T;
	r->delays = D;
	r->period = xcalloc(T, sizeof *r->period);
	r->delay_share = xmalloc(sizeof(double) * D);
	if (ladder(T, D, in->counts, last, total, r->delay_share) < 0) {
		free(total);
		free(last);
		st_nowcast_free(r);
		err_set(e, "A1002", "no report at the first delays to develop from");
		err_detail(e, "A delay's reports are projected from the earlier delays' counts, "
			      "which are all zero here.");
		return -1;
	}
	for (size_t t = 0; t < T; t++) {
		struct nowcast_period *p = &r->period[t];
		for (size_t d = 0; d <= last[t]; d++) {
			p->observed += in->counts[t * D + d];
			/* The share of the period's reports expected in by now, whatever came:
			 * a period with none yet is not complete. */
			p->completeness += r->delay_share[d];
		}
		p->completeness = fmin(1, p->completeness);
		p->estimate = last[t] + 1 == D ? p->observed : total[t];
		p->provisional = p->completeness < in->provisional_below;
		p->lower = p->upper = NAN;
		if (!(p->estimate <= ST_MAX_COUNT)) {
			free(total);
			free(last);
			st_nowcast_free(r);
			err_set(e, "A1011", "the nowcast of period %zu is past %.0f", t + 1,
				ST_MAX_COUNT);
			err_detail(
			    e, "The first delays' counts are too small for the later ones' to be "
			       "projected from them.");
			return -1;
		}
	}
	free(total);
	goodness(in, last, r);
	if (in->resamples > 0)
		bootstrap(in, last, r);
	free(last);
	return 0;
}

void st_nowcast_free(struct nowcast_result *r)
{
	free(r->period);
	free(r->delay_share);
	r->period = NULL;
	r->delay_share = NULL;
}
