/* Kaplan-Meier survival with Greenwood's variance and log, log-log or plain intervals, and
 * the log-rank test across groups (R survival::survfit, summary.survfit, survdiff). */
#ifndef WQ_SURVIVAL_H
#define WQ_SURVIVAL_H

#include <stddef.h>

#include "common/error.h"

enum km_ci { KM_LOG, KM_LOGLOG, KM_PLAIN };

/* One group's curve at each distinct time (events and censorings, as survfit's $time).
 * std_error is the standard error of S (Greenwood), as summary(survfit) prints it;
 * undefined bounds are NAN. */
struct km_curve {
	char *name;
	size_t n;
	double *time, *n_risk, *n_event, *survival, *std_error, *lower, *upper;
};

struct km_result {
	size_t ngroups;
	struct km_curve *groups;
	double chi_square, df, p_value; /* log-rank; NAN with one group */
};

/* group may be NULL (one group named "all"); groups are sorted by name (byte order).
 * Returns 0 or -1 with e set (A1001 negative times, status not 0/1, no observation). */
int st_km(const double *time, const int *status, const char *const *group, size_t n, enum km_ci ci,
	  double conf, struct km_result *out, struct wq_error *e);
void st_km_free(struct km_result *r);

#endif
