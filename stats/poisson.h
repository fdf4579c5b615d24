/* Counts and rates: exact Poisson (Garwood) and Byar intervals, the exact conditional rate
 * ratio, and directly age-standardised rates (Fay-Feuer, Tiwari, Dobson). */
#ifndef WQ_POISSON_H
#define WQ_POISSON_H

#include <stddef.h>

#include "common/error.h"
#include "stats/proportion.h"

enum rate_method { RATE_EXACT, RATE_BYAR };
enum dsr_method { DSR_FAY_FEUER, DSR_TIWARI, DSR_DOBSON };

/* Limits for a Poisson count x (Garwood 1936: gamma quantiles; R poisson.test) or Byar's
 * approximation (Breslow & Day 1987). Returns 0, or -1 with e set (A1001 negative or
 * non-integer count). */
int st_poisson_limits(double x, double conf, enum rate_method m, double *lower, double *upper,
		      struct wq_error *e);

struct rate_ratio {
	double ratio, lower, upper, p_value; /* ratio/bounds NAN when undefined */
};

/* Exact conditional test and interval for (x1/t1)/(x2/t2): x1 given x1+x2 is binomial with
 * p = t1/(t1+t2) (R poisson.test(c(x1,x2), c(t1,t2))). Two-sided p as R's binom.test. */
int st_rate_ratio(double x1, double t1, double x2, double t2, double conf, struct rate_ratio *out,
		  struct wq_error *e);

/* Exact two-sided binomial p-value of x in n trials at p (R binom.test). */
double st_binom_test_p(double x, double n, double p);

struct dsr {
	double rate, lower, upper, crude;
};

/* Directly standardised rate per PER of counts[i] in populations[i] with standard
 * weights standard[i] (Fay & Feuer 1997; Tiwari et al. 2006; Dobson et al. 1991), as
 * R epitools::ageadjust.direct. */
int st_dsr(const double *counts, const double *pops, const double *standard, size_t n, double per,
	   double conf, enum dsr_method m, struct dsr *out, struct wq_error *e);

#endif
