/* Standard populations for directly age-standardised rates (config/standard_populations
 * .json): weights by age band, the WHO world standard and any a deployment adds. */
#ifndef WQ_STANDARD_H
#define WQ_STANDARD_H

#include <stddef.h>

#include "common/codelist.h"
#include "common/error.h"

#define STANDARD_MAX_BANDS 16

struct standard {
	char *id, *name, *name_ar, *source;
	char *bands[STANDARD_MAX_BANDS]; /* age_band codes, in the code list's order */
	double weights[STANDARD_MAX_BANDS];
	size_t n;
};

struct standards {
	struct standard *v;
	size_t n;
	const struct standard *def;
};

/* Loads PATH; every band must be an age band of lists under 18 and weights > 0. Returns 0
 * or -1 with e set (S1203). */
int standards_load(struct standards *s, const char *path, const struct codelists *lists,
		   struct wq_error *e);
void standards_free(struct standards *s);
/* By id; NULL id: the default. NULL when none. */
const struct standard *standards_get(const struct standards *s, const char *id);
/* The weight of an age band, or 0 when the standard has none (18+). */
double standard_weight(const struct standard *st, const char *band);

#endif
