/* The bounds of what the statistics library accepts (docs/methods.md, "Limits"). Past
 * them it answers A1010 (a size) or A1011 (a magnitude), never a wrong number: counts up
 * to ST_MAX_COUNT stay exact in the integer arithmetic of the exact methods, measures
 * (populations, person-times) between ST_MIN_MEASURE and ST_MAX_MEASURE keep their
 * ratios inside a double's range, and the size limits bound time and memory (a GLM's cost
 * grows with rows x coefficients^2). */
#ifndef WQ_LIMITS_H
#define WQ_LIMITS_H

#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "common/error.h"

#define ST_MAX_INPUT  (64u << 20) /* bytes of one wiqaya-stats input */
#define ST_MAX_ROWS   1000000	  /* items of one array */
#define ST_MAX_COEF   500	  /* a GLM's coefficients (intercept, columns, levels - 1) */
#define ST_MAX_DESIGN 10000000	  /* a GLM's rows x coefficients */
#define ST_MAX_EXACT  1000000	  /* values of a 2x2's conditional support for Fisher */
/* Counts, cells, trials, successes: as large as GSL's exact functions can take (their
 * integer arguments are unsigned int, and a search bound adds one), 4,294,967,294. A
 * global child population (2 x 10^9) fits; the first bound, 10^9, did not. */
#define ST_MAX_COUNT   ((double)UINT_MAX - 1)
#define ST_MIN_MEASURE 1e-100 /* populations, person-times, per */
#define ST_MAX_MEASURE 1e15

/* x must be a whole number in [0, ST_MAX_COUNT]. Returns 0, or -1 with e set (A1001 not
 * a whole number >= 0, A1011 too large) naming what. */
static inline int st_check_count(double x, const char *what, struct wq_error *e)
{
	if (!(x >= 0) || !isfinite(x) || x != floor(x))
		return err_set(e, "A1001", "%s must be a whole number >= 0", what);
	if (x > ST_MAX_COUNT)
		return err_set(e, "A1011", "%s above %.0f is not supported", what, ST_MAX_COUNT);
	return 0;
}

/* x must be in [ST_MIN_MEASURE, ST_MAX_MEASURE] (A1001 not > 0, A1011 out of range). */
static inline int st_check_measure(double x, const char *what, struct wq_error *e)
{
	if (!(x > 0) || !isfinite(x))
		return err_set(e, "A1001", "%s must be > 0", what);
	if (x < ST_MIN_MEASURE || x > ST_MAX_MEASURE)
		return err_set(e, "A1011", "%s must be between %g and %g", what, ST_MIN_MEASURE,
			       ST_MAX_MEASURE);
	return 0;
}

#endif
