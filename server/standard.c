/* Standard populations (see standard.h). */
#include "server/standard.h"

#include <jansson.h>
#include <string.h>

#include "common/xalloc.h"

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
