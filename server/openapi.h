/* The OpenAPI 3.1 description of the API (docs/openapi.yaml), read once at start with
 * libyaml into JSON and served as GET /api/v1/openapi.json. */
#ifndef WQ_OPENAPI_H
#define WQ_OPENAPI_H

#include "common/error.h"

/* The document at path as compact JSON text (malloc'd), or NULL with e set (S1205: not
 * readable, not YAML, or a construct JSON cannot hold: an alias, a non-scalar key). */
char *openapi_load(const char *path, struct wq_error *e);

#endif
