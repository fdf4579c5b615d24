/* Standard populations (see standard.h). */
#include "server/standard.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "common/xalloc.h"
#include "stats/poisson.h"

static int bad(struct wq_error *e, const char *path, const char *what)
{
	err_set(e, "S1203", "bad standard population file %s", path);
	err_detail(e, "%s", what);
	return -1;
}

int standards_load(struct standards *s, const char *path, const struct codelists *lists,
		   struct wq_error *e)
{
	json_error_t je;
	memset(s, 0, sizeof *s);
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	json_t *arr = json_object_get(root, "standards");
	const struct code_list *bands = codelists_get(lists, "age_band");
	if (!root || !json_is_array(arr) || !json_array_size(arr) || !bands) {
		json_decref(root);
		return bad(e, path, "expected {\"default\": ID, \"standards\": [...]}");
	}
	s->v = xcalloc(json_array_size(arr), sizeof *s->v);
	size_t i;
	json_t *it;
	json_array_foreach (arr, i, it) {
		struct standard *st = &s->v[s->n++];
		const char *id = json_string_value(json_object_get(it, "id"));
		json_t *w = json_object_get(it, "weights");
		if (!id || !json_is_object(w)) {
			json_decref(root);
			standards_free(s);
			return bad(e, path, "a standard needs an id and weights");
		}
		st->id = xstrdup(id);
		st->name = xstrdup(json_string_value(json_object_get(it, "name")) ?: id);
		st->name_ar =
		    xstrdup(json_string_value(json_object_get(it, "name_ar")) ?: st->name);
		st->source = xstrdup(json_string_value(json_object_get(it, "source")) ?: "");
		/* In the code list's order, so that every answer lists bands alike. */
		for (size_t k = 0; k < bands->n && st->n < STANDARD_MAX_BANDS; k++) {
			json_t *v = json_object_get(w, bands->items[k].code);
			if (!v)
				continue;
			if (!json_is_number(v) || !(json_number_value(v) > 0) ||
			    strcmp(bands->items[k].code, "18+") == 0) {
				json_decref(root);
				standards_free(s);
				return bad(e, path, "weights must be > 0, for age bands under 18");
			}
			st->bands[st->n] = xstrdup(bands->items[k].code);
			st->weights[st->n++] = json_number_value(v);
		}
		if (st->n != json_object_size(w)) {
			json_decref(root);
			standards_free(s);
			return bad(e, path,
				   "a weight names no age band of config/codelists/age_band.csv");
		}
	}
	const char *def = json_string_value(json_object_get(root, "default"));
	s->def = def ? standards_get(s, def) : &s->v[0];
	json_decref(root);
	if (!s->def) {
		standards_free(s);
		return bad(e, path, "the default names no standard");
	}
	return 0;
}

void standards_free(struct standards *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].name);
		free(s->v[i].name_ar);
		free(s->v[i].source);
		for (size_t k = 0; k < s->v[i].n; k++)
			free(s->v[i].bands[k]);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

const struct standard *standards_get(const struct standards *s, const char *id)
{
	if (!id)
		return s->def;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0)
			return &s->v[i];
	return NULL;
}

double standard_weight(const struct standard *st, const char *band)
{
	for (size_t k = 0; band && k < st->n; k++)
		if (strcmp(st->bands[k], band) == 0)
			return st->weights[k];
	return 0;
}

/* Whether cells x and y agree on their first n columns. */
static int same_before(const struct pcell *x, const struct pcell *y, int n)
{
	for (int i = 0; i < n; i++) {
		const char *a = x->values[i], *b = y->values[i];
		if (!((!a && !b) || (a && b && !strcmp(a, b))))
			return 0;
	}
	return 1;
}

void standard_apply(const struct standard *st, const struct answer *a, int ndims, double per,
		    struct answer *out)
{
	int band = ndims - 1;
	*out = *a;
	out->cells = xcalloc(a->n + 1, sizeof *out->cells);
	out->n = 0;
	/* The band varies fastest (protect.h's order), so each combination of the other
	 * columns is one run of consecutive cells. */
	for (size_t r = 0, q; r < a->n; r = q) {
		double counts[STANDARD_MAX_BANDS], pops[STANDARD_MAX_BANDS], w[STANDARD_MAX_BANDS];
		double num = 0, den = 0;
		size_t k = 0;
		enum cell_status status = CELL_OK;
		for (q = r; q < a->n && same_before(&a->cells[r], &a->cells[q], band); q++) {
			const struct pcell *b = &a->cells[q];
			double wt = standard_weight(st, b->values[band]);
			if (wt == 0 || k == STANDARD_MAX_BANDS)
				continue;
			/* The worst of the bands, unreliable aside (the sum decides that). */
			if (b->status > status && b->status != CELL_UNRELIABLE)
				status = b->status;
			counts[k] = b->num;
			pops[k] = b->den;
			w[k++] = wt;
			num += b->num;
			den += b->den;
		}
		struct pcell *c = &out->cells[out->n++];
		for (int i = 0; i < band; i++)
			c->values[i] = a->cells[r].values[i];
		struct dsr d;
		struct wq_error e;
		c->value = c->lower = c->upper = c->num = c->den = NAN;
		c->status = status;
		if (status != CELL_SUPPRESSED) {
			c->num = num;
			c->den = den;
		}
		if (status == CELL_OK && k > 0 &&
		    st_dsr(counts, pops, w, k, per, 0.95, DSR_FAY_FEUER, &d, &e) == 0) {
			c->value = d.rate;
			c->lower = d.lower;
			c->upper = d.upper;
			c->status = num < 20 ? CELL_UNRELIABLE : CELL_OK;
		} else if (status == CELL_OK) {
			c->status = CELL_SUPPRESSED;
			c->num = c->den = NAN;
		}
	}
}
