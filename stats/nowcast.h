/* Nowcasting late reports (docs/methods.md, "Late reports"): abuse is often disclosed
 * months or years after it happened, so the last periods of any series by the time of
 * abuse are low. A reporting triangle holds, for each period of abuse t and delay d (in
 * periods, 0 = reported in the period itself), how many were reported by the data's end;
 * the cells not yet observable are missing. A Poisson GLM with a factor for the period
 * and one for the delay, log mu(t, d) = a(t) + b(d), fitted to the observed cells, is the
 * chain-ladder method's likelihood (Kremer 1982; Renshaw & Verrall 1998): its predictions
 * of the missing cells are the chain ladder's. The nowcast of a period is what was
 * reported plus the predicted rest. The interval is a parametric bootstrap of the
 * over-dispersed Poisson (England & Verrall 2002): estimation error (the triangle
 * redrawn, and noised as the server publishes it, the model refitted) and process error
 * (the rest of the reports drawn), both scaled by the Pearson dispersion when it is above
 * 1. */
#ifndef WQ_NOWCAST_H
#define WQ_NOWCAST_H

#include <stddef.h>

#include "common/error.h"

#define NOWCAST_MAX_PERIODS 600
#define NOWCAST_MAX_DELAYS  120

/* periods x delays counts, row-major; NAN where not yet observable (a row's missing cells
 * are its last ones: a report at delay d is known before one at d + 1). */
struct nowcast_input {
	size_t periods, delays;
	const double *counts;
	double noise_scale; /* discrete Laplace scale b of each published cell (0: exact) */
	int resamples;
	unsigned long seed;
	double conf;
	double provisional_below; /* a period less complete than this is provisional (0.95) */
};

struct nowcast_period {
	double observed, estimate, lower, upper; /* lower, upper: NAN without a bootstrap */
	double completeness; /* the share of its reports expected in by the data's end */
	int provisional;
};

struct nowcast_result {
	size_t periods, delays;
	struct nowcast_period *period; /* malloc'd, periods entries */
	double *delay_share;	       /* malloc'd: the estimated share of reports at each delay */
	double deviance, df_residual, dispersion;
	int resamples_used;
};

/* The most resamples a triangle of periods x delays allows: the bootstrap's time bounded
 * (each resample draws every cell), a few seconds at the most. */
int st_nowcast_max_resamples(size_t periods, size_t delays);

/* Returns 0, or -1 with e set: A1001 bad triangle (sizes, a negative or fractional count,
 * a gap inside a row, a delay never observed, a period with nothing observed), A1010 more
 * resamples than st_nowcast_max_resamples, A1002
 * nothing at the first delays to develop from, A1011 a count, or a nowcast, past the
 * limits. Free with st_nowcast_free. */
int st_nowcast(const struct nowcast_input *in, struct nowcast_result *r, struct wq_error *e);
void st_nowcast_free(struct nowcast_result *r);

#endif
