/* Standard populations for directly age-standardised rates (config/standard_populations
 * .json): weights by age band, the WHO world standard and any a deployment adds. */
#ifndef WQ_STANDARD_H
#define WQ_STANDARD_H

#include <stddef.h>

#include "common/codelist.h"
#include "common/error.h"
#include "server/protect.h"

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

/* Directly standardises a protected rate table: its last column (the age band, the last of
 * ndims) is collapsed, each combination of the other columns becoming one cell whose
 * value is the DSR per `per` over the bands st weighs, with its Fay-Feuer interval, and
 * whose numerator and denominator are the sums. A combination with a suppressed band is
 * suppressed (its count is not published, and filling it in would be a guess), one with a
 * band the population lacks has no denominator. out keeps a's other fields; its cells'
 * values are a's but the band's. Free out with answer_free. */
void standard_apply(const struct standard *st, const struct answer *a, int ndims, double per,
		    struct answer *out);

#endif
