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
				      : NULL;
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
	}
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
