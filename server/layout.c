/* The table's layout (see layout.h). */
#include "server/layout.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

int layout_listed(const struct query_dim *d, const char *code)
{
	for (int i = 0; i < d->nitems; i++)
		if (strcmp(d->items[i], code) == 0)
			return 1;
	return 0;
}

/* The filter on the same dimension as column i, if any. */
static const struct query_dim *filter_on(const struct query *q, const struct dimension *dim)
{
	for (int i = q->ndims; i < q->ndims + q->nfilters; i++)
		if (q->dims[i].dim == dim && !dim->multi)
			return &q->dims[i];
	return NULL;
}

static void add_item(struct domain *dom, const struct query *q, const struct query_dim *d,
		     const char *code)
{
	const struct query_dim *f = filter_on(q, d->dim);
	const struct predicate *num = q->ind->numerator;
	if (d->nitems && !layout_listed(d, code))
		return;
	if (f && code && !layout_listed(f, code))
		return;
	if (code && num->out_dim && strcmp(num->out_dim, d->dim->name) == 0 &&
	    strcmp(num->out_item, code) == 0)
		return;
	if (dom->n < LAYOUT_MAX_ITEMS)
		dom->items[dom->n++] = code;
}

/* Years as text, for the layout's items (which point into this table, never freed). */
static char years[301][5];
static pthread_once_t years_once = PTHREAD_ONCE_INIT;

static void fill_years(void)
{
	for (int i = 0; i <= 300; i++)
		snprintf(years[i], sizeof years[i], "%d", 1900 + i);
}

const char *layout_year(int y)
{
	pthread_once(&years_once, fill_years);
	return y < 1900 || y > 2200 ? "" : years[y - 1900];
}

void layout_domains(const struct query *q, const struct codelists *lists, int first, int last,
		    struct domain *dom)
{
	for (int i = 0; i < q->ndims; i++) {
		const struct query_dim *d = &q->dims[i];
		struct domain *o = &dom[i];
		o->n = 0;
		if (d->dim->kind == DIM_YEAR) {
			int lo = q->from_year && q->from_year > first ? q->from_year : first;
			int hi = q->to_year && q->to_year < last ? q->to_year : last;
			for (int y = lo; y <= hi && first > 0; y++)
				add_item(o, q, d, layout_year(y));
		} else if (d->dim->kind == DIM_BOOL) {
			add_item(o, q, d, "true");
			add_item(o, q, d, "false");
		} else {
			const struct code_list *l = codelists_get(lists, d->dim->list);
			for (size_t k = 0; l && k < l->n; k++)
				add_item(o, q, d, l->items[k].code);
		}
		if (!d->nitems && model_fact_nullable(q->ind->fact, d->dim))
			add_item(o, q, d, NULL);
	}
}

size_t layout_cells(const struct query *q, const struct domain *dom, size_t max)
{
	size_t total = 1;
	for (int i = 0; i < q->ndims; i++) {
		total *= (size_t)dom[i].n;
		if (total > max)
			return max + 1;
	}
	return total;
}

int layout_index(const struct domain *d, const char *code)
{
	for (int i = 0; i < d->n; i++)
		if (d->items[i] == code || (d->items[i] && code && strcmp(d->items[i], code) == 0))
			return i;
	return -1;
}
