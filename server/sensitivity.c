/* The sensitivity of a query (see sensitivity.h). */
#include "server/sensitivity.h"

int sensitivity_of(const struct query *q, const struct codelists *lists, int item_cap)
{
	int L = 1;
	for (int i = 0; i < q->ndims; i++) {
		const struct query_dim *d = &q->dims[i];
		if (!d->dim->multi)
			continue;
		const struct code_list *l = codelists_get(lists, d->dim->list);
		int items = d->nitems ? d->nitems : l ? (int)l->n : item_cap;
		L *= items < item_cap ? items : item_cap;
	}
	return q->ind->type == IND_PROPORTION ? 2 * L : L;
}
