/* Outliers of a series of monthly counts, as DHIS2's outlier detection flags them
 * (docs/methods.md, "Data quality"): the modified z-score 0.6745 (x - median) / MAD
 * (Iglewicz & Hoaglin 1993), beyond 3.5; and Tukey's fences, below Q1 - 1.5 IQR or above
 * Q3 + 1.5 IQR (quantiles as R's type 7). A drop flagged so reads as missing data before
 * it reads as a fall in abuse. */
#ifndef WQ_OUTLIER_H
#define WQ_OUTLIER_H

#include <stddef.h>

#define OUTLIER_Z 3.5

struct outlier {
	double z;     /* the modified z-score; NAN when the MAD is 0 */
	int by_z;     /* |z| > OUTLIER_Z */
	int by_fence; /* outside Tukey's fences (none when the IQR is 0) */
};

/* The flags of x[0..n) (n >= 1) into out[0..n). */
void st_outliers(const double *x, size_t n, struct outlier *out);

#endif
