/* A prevalence from a complex survey: weighted proportion, Taylor-linearised variance with
 * strata and clusters (with-replacement ultimate clusters), design effect, df = clusters -
 * strata, and Korn-Graubard, logit or Wald intervals (R survey::svyciprop). */
#ifndef WQ_SURVEY_H
#define WQ_SURVEY_H

#include <stddef.h>

#include "common/error.h"

enum survey_ci { SURVEY_KORN_GRAUBARD, SURVEY_LOGIT, SURVEY_WALD };

struct survey_prop {
	double estimate, std_error, design_effect, df, n_effective, lower, upper;
};

/* strata and clusters may be NULL (one stratum; each row its own cluster). Returns 0 or
 * -1 with e set (A1001 y not 0/1, weights <= 0, a stratum with a single cluster). */
int st_survey_proportion(const double *y, const double *w, const char *const *strata,
			 const char *const *clusters, size_t n, enum survey_ci ci, double conf,
			 struct survey_prop *out, struct wq_error *e);

#endif
