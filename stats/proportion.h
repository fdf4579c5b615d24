/* Confidence intervals for a binomial proportion x/n. */
#ifndef WQ_PROPORTION_H
#define WQ_PROPORTION_H

#include "common/error.h"

enum prop_method { PROP_WILSON, PROP_CLOPPER_PEARSON, PROP_AGRESTI_COULL, PROP_WALD };

struct interval {
	double estimate, lower, upper;
};

/* The methods' names, in enum order, NULL-terminated: "wilson", "clopper-pearson",
 * "agresti-coull", "wald". */
extern const char *const st_prop_method_names[];

/* Parses a method's name; -1 for anything else. */
int st_prop_method(const char *name, enum prop_method *out);

/* The interval for x successes in n trials at level conf (0 < conf < 1). Returns 0, or -1
 * with e set (A1001 when x < 0, n <= 0, x > n or conf outside (0,1)).
 *  Wilson (1927) score interval                  = R binom.confint(method = "wilson")
 *  Clopper-Pearson (1934) exact, beta quantiles   = R binom.test()$conf.int
 *  Agresti-Coull (1998), z^2/2 added             = R binom.confint(method = "agresti-coull")
 *  Wald, normal approximation                     = R binom.confint(method = "asymptotic")
 * Bounds of the approximate methods are clipped to [0, 1]. */
int st_proportion(double x, double n, double conf, enum prop_method m, struct interval *out,
		  struct wq_error *e);

#endif
