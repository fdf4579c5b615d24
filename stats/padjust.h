/* p-value adjustment for many cells (R p.adjust): Holm 1979, Benjamini-Hochberg 1995,
 * Benjamini-Yekutieli 2001, Bonferroni. */
#ifndef WQ_PADJUST_H
#define WQ_PADJUST_H

#include <stddef.h>

#include "common/error.h"

enum padjust_method { PADJ_HOLM, PADJ_BH, PADJ_BY, PADJ_BONFERRONI };

/* Writes the adjusted p[i] to out[i]. Returns 0 or -1 with e set (A1001 p outside
 * [0,1], no p-values). */
int st_p_adjust(const double *p, size_t n, enum padjust_method m, double *out, struct wq_error *e);

#endif
