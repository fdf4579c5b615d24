/* p-value adjustment (see padjust.h), written as R's p.adjust does it. */
#include "stats/padjust.h"

#include <math.h>
#include <stdlib.h>

#include "common/xalloc.h"

static const double *sort_p;
static int by_p(const void *a, const void *b)
{
	double x = sort_p[*(const size_t *)a], y = sort_p[*(const size_t *)b];
	if (x != y)
		return (x > y) - (x < y);
	return (*(const size_t *)a > *(const size_t *)b) -
	       (*(const size_t *)a < *(const size_t *)b);
}

int st_p_adjust(const double *p, size_t n, enum padjust_method m, double *out, struct wq_error *e)
{
	if (n == 0)
		return err_set(e, "A1001", "no p-values");
	for (size_t i = 0; i < n; i++)
		if (!(p[i] >= 0 && p[i] <= 1))
			return err_set(e, "A1001", "p-values must be in [0, 1] (item %zu)", i);
	size_t *o = xmalloc(sizeof(size_t) * n);
	for (size_t i = 0; i < n; i++)
		o[i] = i;
	sort_p = p;
	qsort(o, n, sizeof(size_t), by_p); /* ascending */
	double N = (double)n;
	if (m == PADJ_BONFERRONI) {
		for (size_t i = 0; i < n; i++)
			out[i] = fmin(1, N * p[i]);
	} else if (m == PADJ_HOLM) {
		double run = 0;
		for (size_t r = 0; r < n; r++) {
			double v = fmin(1, (N - (double)r) * p[o[r]]);
			run = fmax(run, v);
			out[o[r]] = run;
		}
	} else {
		double q = 1;
		if (m == PADJ_BY) {
			q = 0;
			for (size_t i = 1; i <= n; i++)
				q += 1 / (double)i;
		}
		double run = 1;
		for (size_t r = n; r-- > 0;) {
			double v = fmin(1, q * N / (double)(r + 1) * p[o[r]]);
			run = fmin(run, v);
			out[o[r]] = run;
		}
	}
	free(o);
	return 0;
}
