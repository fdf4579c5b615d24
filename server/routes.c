/* Every route of wiqaya-server: adding an endpoint is a row here and a handler file. A
 * path ending in "/" and "*" matches one more segment; the last column lists the query
 * parameters the route takes ("name*": may repeat); any other is a 400 (common/http.h). */
#include "server/routes.h"

static const char *const analytics_params[] = {"indicator", "dimension*", "filter*", "from",
					       "to",	    "format",	  NULL};

const struct http_route server_routes[] = {
    {"GET", "/healthz", health_get, NULL},
    {"GET", "/api/v1/analytics", analytics_get, analytics_params},
    {"GET", "/api/v1/indicators", catalogue_indicators, NULL},
    {"GET", "/api/v1/dimensions", catalogue_dimensions, NULL},
    {"GET", "/api/v1/dimensions/*", catalogue_dimension, NULL},
};
const size_t server_nroutes = sizeof server_routes / sizeof server_routes[0];
