/* Outliers of monthly counts (see outlier.h). Sorting and type-7 quantiles only: no GSL,
 * so that wiqaya-etl (the data officer's quality report) links it alone. */
#include "stats/outlier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The quantile p of sorted s[0..n), as R's quantile(type = 7). */
static double quantile(const double *s, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);
	return lo + 1 < n ? s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]) : s[lo];
}

void st_outliers(const double *x, size_t n, struct outlier *out)
{
	double *s = xmalloc(sizeof(double) * n), *dev = xmalloc(sizeof(double) * n);
	memcpy(s, x, sizeof(double) * n);
	qsort(s, n, sizeof *s, cmp);
	double median = quantile(s, n, 0.5), q1 = quantile(s, n, 0.25), q3 = quantile(s, n, 0.75);
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - median);
	qsort(dev, n, sizeof *dev, cmp);
	double mad = quantile(dev, n, 0.5);
	for (size_t i = 0; i < n; i++) {
		out[i].z = mad > 0 ? 0.6745 * (x[i] - median) / mad : NAN;
		out[i].by_z = fabs(out[i].z) > OUTLIER_Z;
		/* No spread, no fences: a sparse series (most months 0 or 1) would flag every
		 * month with a case. */
		out[i].by_fence =
		    q3 > q1 && (x[i] < q1 - 1.5 * (q3 - q1) || x[i] > q3 + 1.5 * (q3 - q1));
	}
	free(s);
	free(dev);
}
