/* Unit costs of interventions (see cost.h). */
#include "server/cost.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xalloc.h"

int costs_load(struct costs *c, const char *path, const struct codelists *lists, struct wq_error *e)
{
	struct stat st;
	json_error_t je;
	memset(c, 0, sizeof *c);
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	json_t *unit = json_object_get(root, "unit_costs");
	const struct code_list *support = codelists_get(lists, "support");
	if (!json_is_object(unit) || !support) {
		json_decref(root);
		err_set(e, "S1204", "bad unit cost file %s", path);
		err_detail(e, "expected {\"currency\", \"unit_costs\": {TYPE: COST}}");
		return -1;
	}
	c->types = xcalloc(json_object_size(unit) + 1, sizeof(char *));
	c->unit = xcalloc(json_object_size(unit) + 1, sizeof(double));
	const char *type;
	json_t *v;
	json_object_foreach (unit, type, v) {
		if (codelist_index(support, type) < 0 || !strcmp(type, "none") ||
		    !json_is_number(v) || !(json_number_value(v) > 0)) {
			json_decref(root);
			costs_free(c);
			err_set(e, "S1204", "bad unit cost file %s", path);
			err_detail(e,
				   "\"%s\" must be an intervention type of the support list with a "
				   "cost > 0",
				   type);
			return -1;
		}
		c->types[c->n] = xstrdup(type);
		c->unit[c->n++] = json_number_value(v);
	}
	const char *cur = json_string_value(json_object_get(root, "currency"));
	const char *src = json_string_value(json_object_get(root, "source"));
	c->currency = xstrdup(cur ? cur : "");
	c->source = xstrdup(src ? src : "");
	json_decref(root);
	return 0;
}

void costs_free(struct costs *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->types[i]);
	free(c->types);
	free(c->unit);
	free(c->currency);
	free(c->source);
	memset(c, 0, sizeof *c);
}

double cost_of(const struct costs *c, const char *type)
{
	for (size_t i = 0; type && i < c->n; i++)
		if (!strcmp(c->types[i], type))
			return c->unit[i];
	return NAN;
}
