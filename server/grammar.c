/* The restricted grammar (see grammar.h). */
#include "server/grammar.h"

#include <string.h>

int grammar_is_sensitive(const struct dimension *d)
{
	return d->sensitive;
}

int grammar_max_dims(const struct wq_config *cfg, enum role role)
{
	return role == ROLE_RESEARCHER ? cfg->max_dims_researcher : cfg->max_dims_policy;
}

int grammar_check(const struct query *q, const struct wq_config *cfg, enum role role,
		  struct wq_error *e)
{
	int max = grammar_max_dims(cfg, role);
	if (q->ndims > max) {
		err_set(e, "Q1005", "too many dimensions: at most %d for the role %s", max,
			role_name(role));
		err_hint(e, "Move a dimension to a filter; filters and periods do not count.");
		return -1;
	}
	const struct dimension *sens = NULL;
	for (int i = 0; i < q->ndims + q->nfilters && !sens; i++)
		if (grammar_is_sensitive(q->dims[i].dim))
			sens = q->dims[i].dim;
	if (!sens)
		return 0;
	if (role != ROLE_RESEARCHER) {
		err_set(e, "Q1011", "the sensitive dimension \"%s\" is for researchers only",
			sens->name);
		char names[256] = "";
		for (size_t i = 0; model_dimension_at(i); i++)
			if (model_dimension_at(i)->sensitive)
				snprintf(names + strlen(names), sizeof names - strlen(names),
					 "%s%s", names[0] ? ", " : "", model_dimension_at(i)->name);
		err_detail(e,
			   "The sensitive dimensions (%s) may be asked, as a dimension or a "
			   "filter, by the researcher role only.",
			   names);
		return -1;
	}
	/* The other dimensions beside the sensitive one: columns and filters, each once. */
	int others = 0;
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		int seen = q->dims[i].dim == sens;
		for (int k = 0; k < i && !seen; k++)
			seen = q->dims[k].dim == q->dims[i].dim;
		others += !seen;
	}
	if (others > GRAMMAR_SENSITIVE_OTHERS) {
		err_set(e, "Q1012", "the sensitive dimension \"%s\" allows at most %d others",
			sens->name, GRAMMAR_SENSITIVE_OTHERS);
		err_detail(e, "This query has %d other dimensions and filters.", others);
		return -1;
	}
	return 0;
}
