/* Trends: the annual percent change 100 (e^b - 1), from a log-linear least-squares fit
 * on rates (t with n - 2 df; NCI Joinpoint with no joinpoint) or from Poisson regression
 * on counts with a log-population offset (SEER*Stat). */
#ifndef WQ_TREND_H
#define WQ_TREND_H

#include <stddef.h>

#include "common/error.h"

struct trend {
	double apc, lower, upper, p_value, slope, std_error;
};

/* From rates (values > 0) by year. Returns 0 or -1 with e set (A1001: fewer than 3
 * points, a rate <= 0, all years equal). */
int st_trend_rates(const double *years, const double *rates, size_t n, double conf,
		   struct trend *out, struct wq_error *e);
/* From counts and populations by year (Poisson, Wald z interval). */
int st_trend_counts(const double *years, const double *counts, const double *pops, size_t n,
		    double conf, struct trend *out, struct wq_error *e);

#endif
