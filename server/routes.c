/* Every route of wiqaya-server: adding an endpoint is adding a row here and a file. A
 * path ending in "/" and "*" matches anything below it. */
#include "server/routes.h"

const struct route http_routes[] = {
    {"GET", "/healthz", health_get},
    {"GET", "/api/v1/analytics", analytics_get},
    {"GET", "/api/v1/indicators", indicators_list},
    {"GET", "/api/v1/dimensions", dimensions_list},
    {"GET", "/api/v1/dimensions/*", dimension_get},
};
const size_t http_nroutes = sizeof http_routes / sizeof http_routes[0];
