/* Indicator definitions from JSON (see indicator.h). */
#include "server/indicator.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "server/model.h"

static char *dup_field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

static int has_text(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s;
}

/* Why an indicator's frameworks are not well formed, or NULL. */
static const char *frameworks_problem(json_t *known, json_t *list)
{
	if (!list)
		return NULL;
	if (!json_is_array(list))
		return "frameworks must be an array";
	size_t i, j;
	json_t *m, *f;
	json_array_foreach (list, i, m) {
		const char *id = json_string_value(json_object_get(m, "framework"));
		const char *fit = json_string_value(json_object_get(m, "fit"));
		int listed = 0;
		json_array_foreach (known, j, f)
			listed |= id && !strcmp(id, json_string_value(json_object_get(f, "id")));
		if (!listed)
			return "a framework not listed in the top-level \"frameworks\"";
		if (!fit ||
		    (strcmp(fit, "direct") && strcmp(fit, "partial") && strcmp(fit, "related")))
			return "a framework's fit must be direct, partial or related";
		if (!has_text(m, "item") || !has_text(m, "item_ar") || !has_text(m, "note") ||
		    !has_text(m, "note_ar"))
			return "a framework needs item, item_ar, note and note_ar";
	}
	return NULL;
}

int indicators_load(struct indicators *in, const char *path, struct wq_error *e)
{
	json_error_t jerr;
	memset(in, 0, sizeof *in);
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	json_t *arr = root ? json_object_get(root, "indicators") : NULL;
	if (!json_is_array(arr)) {
		err_set(e, "S1201", "could not read the indicator definitions \"%s\"", path);
		err_detail(e, "%s", root ? "No \"indicators\" array." : jerr.text);
		json_decref(root);
		return -1;
	}
	/* The frameworks: each with an id, its names and its publisher. */
	json_t *known = json_object_get(root, "frameworks");
	size_t k;
	json_t *f;
	json_array_foreach (known, k, f)
		if (!has_text(f, "id") || !has_text(f, "name") || !has_text(f, "name_ar") ||
		    !has_text(f, "publisher"))
			known = NULL;
	if (!json_is_array(known)) {
		err_set(e, "S1202", "bad indicator definition in \"%s\"", path);
		err_detail(e, "The top-level \"frameworks\" must list each framework with its id, "
			      "name, name_ar and publisher.");
		json_decref(root);
		return -1;
	}
	in->frameworks = json_incref(known);
	in->v = xcalloc(json_array_size(arr) + 1, sizeof *in->v);
	size_t i;
	json_t *o;
	json_array_foreach (arr, i, o) {
		struct indicator *d = &in->v[in->n++];
		d->id = dup_field(o, "id");
		d->name = dup_field(o, "name");
		d->name_ar = dup_field(o, "name_ar");
		d->unit = dup_field(o, "unit");
		d->unit_ar = dup_field(o, "unit_ar");
		d->definition = dup_field(o, "definition");
		d->definition_ar = dup_field(o, "definition_ar");
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *fact = json_string_value(json_object_get(o, "fact"));
		const char *num = json_string_value(json_object_get(o, "numerator"));
		const char *den = json_string_value(json_object_get(o, "denominator"));
		d->type = type && !strcmp(type, "rate")		? IND_RATE
			  : type && !strcmp(type, "proportion") ? IND_PROPORTION
								: IND_COUNT;
		d->fact = fact ? model_fact(fact) : NULL;
		d->numerator = d->fact && num ? model_predicate(d->fact, num) : NULL;
		d->denominator = d->fact && den ? model_predicate(d->fact, den) : NULL;
		d->per = json_is_number(json_object_get(o, "per"))
			     ? json_number_value(json_object_get(o, "per"))
			     : 100000;
		const char *why = !d->id || !d->name || !d->name_ar || !d->unit || !d->definition
				      ? "id, name, name_ar, unit and definition are required"
				  : !type || (strcmp(type, "count") && strcmp(type, "rate") &&
					      strcmp(type, "proportion"))
				      ? "type must be count, rate or proportion"
				  : !d->fact	  ? "unknown fact"
				  : !d->numerator ? "unknown numerator"
				  : d->type == IND_PROPORTION && !d->denominator
				      ? "a proportion needs a denominator predicate"
				  : d->type == IND_RATE && (!den || strcmp(den, "population"))
				      ? "a rate's denominator is \"population\""
				      : frameworks_problem(known, json_object_get(o, "frameworks"));
		/* Kept beyond the file's JSON (a reference of their own). */
		json_t *fw = json_object_get(o, "frameworks");
		d->frameworks = fw ? json_incref(fw) : json_array();
		if (why) {
			err_set(e, "S1202", "bad indicator definition in \"%s\"", path);
			err_detail(e, "Indicator %zu (%s): %s.", i + 1, d->id ? d->id : "no id",
				   why);
			json_decref(root);
			indicators_free(in);
			return -1;
		}
	}
	json_decref(root);
	return 0;
}

void indicators_free(struct indicators *in)
{
	for (size_t i = 0; i < in->n; i++) {
		struct indicator *d = &in->v[i];
		free(d->id);
		free(d->name);
		free(d->name_ar);
		free(d->unit);
		free(d->unit_ar);
		free(d->definition);
		free(d->definition_ar);
		json_decref(d->frameworks);
	}
	json_decref(in->frameworks);
	free(in->v);
	memset(in, 0, sizeof *in);
}

const struct indicator *indicators_get(const struct indicators *in, const char *id)
{
	for (size_t i = 0; id && i < in->n; i++)
		if (!strcmp(in->v[i].id, id))
			return &in->v[i];
	return NULL;
}

const char *ind_type_name(enum ind_type t)
{
	return t == IND_RATE ? "rate" : t == IND_PROPORTION ? "proportion" : "count";
}
