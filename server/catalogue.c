/* The catalogue: GET /api/v1/indicators (definitions, with the dimensions each accepts and
 * the international frameworks each serves) and GET /api/v1/dimensions[/{id}] (items with
 * English and Arabic labels). */
#include <string.h>

#include "server/query.h"
#include "server/routes.h"
#include "server/server.h"

static json_t *indicator_json(const struct indicator *d)
{
	json_t *dims = json_array();
	for (const char *const *n = d->fact->dims; *n; n++)
		json_array_append_new(dims, json_string(*n));
	return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:s,s:s?,s:o,s:O}", "id", d->id, "name",
			 d->name, "name_ar", d->name_ar, "unit", d->unit, "unit_ar", d->unit_ar,
			 "type", ind_type_name(d->type), "definition", d->definition,
			 "definition_ar", d->definition_ar, "dimensions", dims, "frameworks",
			 d->frameworks);
}

void catalogue_indicators(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	json_t *arr = json_array();
	for (size_t i = 0; i < srv->indicators.n; i++)
		json_array_append_new(arr, indicator_json(&srv->indicators.v[i]));
	http_json(
	    resp, 200,
	    json_pack("{s:o,s:O}", "indicators", arr, "frameworks", srv->indicators.frameworks));
}

static json_t *dimension_json(const struct dimension *d, const struct codelists *lists)
{
	json_t *items = json_array();
	const struct code_list *l = d->list ? codelists_get(lists, d->list) : NULL;
	for (size_t i = 0; l && i < l->n; i++)
		json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "code", l->items[i].code,
						       "name", l->items[i].label_en, "name_ar",
						       l->items[i].label_ar));
	if (d->kind == DIM_BOOL) {
		json_array_append_new(
		    items, json_pack("{s:b,s:s,s:s}", "code", 1, "name", "Yes", "name_ar", "نعم"));
		json_array_append_new(
		    items, json_pack("{s:b,s:s,s:s}", "code", 0, "name", "No", "name_ar", "لا"));
	}
	return json_pack("{s:s,s:s,s:b,s:o}", "id", d->name, "kind",
			 d->multi    ? "multi-valued"
			 : d->person ? "person"
				     : "event",
			 "in_population", d->pop != NULL, "items", items);
}

void catalogue_dimensions(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	json_t *arr = json_array();
	const struct dimension *d;
	for (size_t i = 0; (d = model_dimension_at(i)); i++)
		json_array_append_new(arr, dimension_json(d, &srv->lists));
	http_json(resp, 200, json_pack("{s:o}", "dimensions", arr));
}

void catalogue_dimension(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	const char *id = http_path(req) + strlen("/api/v1/dimensions/");
	const struct dimension *d = model_dimension(id);
	if (!d) {
		http_problem(resp, 404, "Q1002", "unknown dimension", NULL,
			     "GET /api/v1/dimensions lists them.");
		return;
	}
	http_json(resp, 200, dimension_json(d, &srv->lists));
}
