/* The table's layout (see layout.h). */
#include "server/layout.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

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

void layout_definer_init(struct layout_definer *df, const struct query *q, const struct domain *dom,
			 int first, int last)
{
	memset(df, 0, sizeof *df);

	const char *values[QUERY_MAX_DIMS] = {0};
	for (int i = q->ndims; i < q->ndims + q->nfilters; i++) {
		char *s = query_constraint(q, i, 0, NULL, 1);
		if (s)
			df->fixed[df->nfixed++] = s;
	}
	for (int i = 0; i < q->ndims; i++) {
		df->column[i] = xcalloc((size_t)dom[i].n + 1, sizeof *df->column[i]);
		for (int k = 0; k < dom[i].n; k++)
			df->column[i][k] = query_constraint(q, i, 1, dom[i].items[k], 1);
		if (q->dims[i].dim->kind == DIM_YEAR)
			df->year_column = i + 1;
	}
	/* The years: per item of the year column, else the same for every cell. */
	int ny = df->year_column ? dom[df->year_column - 1].n : 1;
	df->years = xcalloc((size_t)ny, sizeof *df->years);
	for (int k = 0; k < ny; k++) {
		struct strbuf y;
		sb_init(&y);
		if (df->year_column)
			values[df->year_column - 1] = dom[df->year_column - 1].items[k];
		query_years(q, values, first, last, &y);
		df->years[k] = y.data;
	}
	df->nyears = ny;
	df->ndims = q->ndims;
	for (int i = 0; i < q->ndims; i++)
		df->counts[i] = dom[i].n;
}

void layout_definer_cell(const struct layout_definer *df, const int *idx, struct strbuf *out)
{
	const char *c[QUERY_MAX_DIMS * 3 + 2];
	int n = 0;
	for (int i = 0; i < df->nfixed; i++)
		c[n++] = df->fixed[i];
	for (int i = 0; i < df->ndims; i++)
		if (df->column[i][idx[i]])
			c[n++] = df->column[i][idx[i]];
	c[n++] = df->years[df->year_column ? idx[df->year_column - 1] : 0];
	query_join(c, n, out);
}

void layout_definer_free(struct layout_definer *df)
{
	for (int i = 0; i < df->nfixed; i++)
		free(df->fixed[i]);
	for (int i = 0; i < df->ndims; i++) {
		for (int k = 0; k < df->counts[i]; k++)
			free(df->column[i][k]);
		free(df->column[i]);
	}
	for (int k = 0; k < df->nyears; k++)
		free(df->years[k]);
	free(df->years);
	memset(df, 0, sizeof *df);
}
