/* Unit costs of interventions (config/intervention_costs.json): what one course of each
 * type costs, for the cost per outcome averted of GET /api/v1/interventions. */
#ifndef WQ_COST_H
#define WQ_COST_H

#include <stddef.h>

#include "common/codelist.h"
#include "common/error.h"

struct costs {
	char *currency, *source;
	char **types; /* codes of the support list */
	double *unit;
	size_t n;
};

/* Loads PATH; every type must be a code of the support list and every cost > 0. A missing
 * file is no costs (0, n = 0). Returns 0, or -1 with e set (S1204). */
int costs_load(struct costs *c, const char *path, const struct codelists *lists,
	       struct wq_error *e);
void costs_free(struct costs *c);
/* The unit cost of type, or NAN when none is given. */
double cost_of(const struct costs *c, const char *type);

#endif
