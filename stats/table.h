/* 2x2 tables and stratified 2x2 tables: risk ratio, odds ratios (Woolf, conditional MLE
 * with exact interval), risk difference (Newcombe), Pearson chi-square, Fisher's exact
 * test, and Mantel-Haenszel summaries. */
#ifndef WQ_TABLE_H
#define WQ_TABLE_H

#include <stddef.h>

#include "common/error.h"
#include "stats/proportion.h"

/* a exposed cases, b exposed non-cases, c unexposed cases, d unexposed non-cases. */
struct table2 {
	double a, b, c, d;
};

struct test {
	double statistic, p_value;
};

/* An undefined estimate or bound is NAN; the caller prints null and a note. */
struct two_by_two {
	struct interval risk_ratio, odds_ratio, odds_ratio_exact, risk_difference;
	struct test chi_square;
	double fisher_p_value;
	int exact_skipped; /* the support passed ST_MAX_EXACT: Fisher and the exact OR NAN */
};

/* Katz log RR; Woolf logit OR; conditional MLE OR with exact limits (R fisher.test);
 * Newcombe (1998) method 10 risk difference; Pearson chi-square without continuity
 * correction (chisq.test(correct = FALSE)); Fisher's two-sided p (fisher.test). Returns 0
 * or -1 with e set (A1001 negative or non-integer cells, an empty row). */
int st_two_by_two(const struct table2 *t, double conf, struct two_by_two *out, struct wq_error *e);

struct mantel_haenszel {
	struct interval odds_ratio, risk_ratio;
	struct test chi_square;
};

/* Mantel-Haenszel OR with the Robins-Breslow-Greenland variance, Greenland-Robins RR,
 * and the chi-square with continuity correction (R mantelhaen.test defaults). */
int st_mantel_haenszel(const struct table2 *strata, size_t n, double conf,
		       struct mantel_haenszel *out, struct wq_error *e);

/* The p-value of a chi-square statistic with df degrees of freedom. */
double st_chisq_p(double statistic, double df);

#endif
