/* The OpenAPI document (see openapi.h): YAML events folded into Jansson values. Scalars
 * follow YAML 1.2's core schema: a plain null, ~ or empty value is null, true and false
 * booleans, integers and floats numbers, anything else (and anything quoted) a string. */
#include "server/openapi.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "server/routes.h"
#include "server/server.h"

static json_t *scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_stringn(v, len);
	if (len == 0 || !strcmp(v, "~") || !strcmp(v, "null"))
		return json_null();
	if (!strcmp(v, "true"))
		return json_true();
	if (!strcmp(v, "false"))
		return json_false();
	char *end;
	errno = 0;
	long long i = strtoll(v, &end, 10);
	if (*end == '\0' && errno == 0)
		return json_integer(i);
	double d = strtod(v, &end);
	if (*end == '\0' && strspn(v, "+-0123456789.eE") == len)
		return json_real(d);
	return json_stringn(v, len);
}

/* The value whose first event is ev (already read); NULL on a parse error or alias. */
static json_t *value(yaml_parser_t *p, yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT)
		return scalar(ev);
	int mapping = ev->type == YAML_MAPPING_START_EVENT;
	if (!mapping && ev->type != YAML_SEQUENCE_START_EVENT)
		return NULL; /* an alias, or an event no JSON value starts with */
	json_t *out = mapping ? json_object() : json_array();
	for (;;) {
		yaml_event_t k;
		if (!yaml_parser_parse(p, &k)) {
			json_decref(out);
			return NULL;
		}
		if (k.type == YAML_MAPPING_END_EVENT || k.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&k);
			return out;
		}
		if (!mapping) {
			json_t *v = value(p, &k);
			yaml_event_delete(&k);
			if (!v) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, v);
			continue;
		}
		if (k.type != YAML_SCALAR_EVENT) {
			yaml_event_delete(&k);
			json_decref(out);
			return NULL;
		}
		char *key = strndup((const char *)k.data.scalar.value, k.data.scalar.length);
		yaml_event_delete(&k);
		yaml_event_t ve;
		json_t *v = NULL;
		if (yaml_parser_parse(p, &ve)) {
			v = value(p, &ve);
			yaml_event_delete(&ve);
		}
		if (!v) {
			free(key);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, key, v);
		free(key);
	}
}

char *openapi_load(const char *path, struct wq_error *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(e, "S1205", "cannot read the OpenAPI document %s: %s", path,
			strerror(errno));
		return NULL;
	}
	yaml_parser_t p;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	json_t *doc = NULL;
	yaml_event_t ev;
	/* stream start, document start, the root value */
	for (int i = 0; i < 3 && yaml_parser_parse(&p, &ev); i++) {
		if (i == 2)
			doc = value(&p, &ev);
		yaml_event_delete(&ev);
	}
	if (!doc)
		err_set(e, "S1205",
			"the OpenAPI document %s is not YAML that JSON can hold (line %zu)", path,
			p.problem_mark.line + 1);
	yaml_parser_delete(&p);
	fclose(f);
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return text;
}

void openapi_get(struct http_request *req, struct http_response *resp)
{
	const struct server *srv = http_app(req);
	http_text(resp, 200, "application/json; charset=utf-8", srv->openapi, strlen(srv->openapi));
}
