/* Every route of wiqaya-server: adding an endpoint is a row here and a handler file. A
 * path ending in "/" and "*" matches one more segment; the params column lists the query
 * parameters the route takes ("name*": may repeat; any other is a 400, common/http.h);
 * the last column the roles it admits (deny by default: a submitter reads nothing here).
 * The data routes admit the public, and answer it only what the published product answers
 * (server/product.h); the dashboard's files (server/web.c) are the same for everyone. */
#include "server/routes.h"

#include "server/respond.h"

static const char *const analytics_params[] = {"indicator", "dimension*",   "filter*",
					       "from",	    "to",	    "standardise",
					       "standard",  RESPOND_PARAMS, NULL};

static const char *const trends_params[] = {"indicator", "dimension",	 "filter*",
					    "from",	 "to",		 "standardise",
					    "standard",	 RESPOND_PARAMS, NULL};

static const char *const risk_params[] = {"indicator", "factors", "reference",	  "filter*",
					  "from",      "to",	  RESPOND_PARAMS, NULL};

static const char *const interventions_params[] = {"outcome", "by",	  "filter*",	  "from",
						   "to",      "survival", RESPOND_PARAMS, NULL};

static const char *const pathway_params[] = {"dimension", "filter*",	  "from",
					     "to",	  RESPOND_PARAMS, NULL};

static const char *const hidden_params[] = {"dimension", "filter*",	 "from", "to",
					    "criterion", RESPOND_PARAMS, NULL};

static const char *const nowcast_params[] = {"filter*", "apc", RESPOND_PARAMS, NULL};

static const char *const sdmx_structure_params[] = {"references", "detail", NULL};
static const char *const sdmx_data_params[] = {"format", "startPeriod", "endPeriod", "release",
					       NULL};

#define READERS (ROLE_RESEARCHER | ROLE_POLICY | ROLE_ADMIN)

const struct http_route server_routes[] = {
    {"GET", "/healthz", health_get, NULL, ROLE_PUBLIC | READERS | ROLE_MONITOR},
    {"GET", "/api/v1/analytics", analytics_get, analytics_params, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/trends", trends_get, trends_params, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/risk-factors", risk_factors_get, risk_params, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/interventions", interventions_get, interventions_params,
     ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/pathway", pathway_get, pathway_params, ROLE_PUBLIC | READERS},
    /* Estimates, not sums of published cells: never the public's. */
    {"GET", "/api/v1/estimates/hidden", hidden_get, hidden_params, READERS},
    {"GET", "/api/v1/estimates/nowcast", nowcast_get, nowcast_params, READERS},
    {"GET", "/api/v1/indicators", catalogue_indicators, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/dimensions", catalogue_dimensions, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/dimensions/*", catalogue_dimension, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/openapi.json", openapi_get, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/disclosure", disclosure_get, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/data-quality", data_quality_get, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/releases", releases_get, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/releases/*", release_get_route, NULL, ROLE_PUBLIC | READERS},
    /* SDMX (server/sdmx.c): the REST conventions' paths, any depth (a trailing "**"). */
    {"GET", "/api/v1/sdmx/dataflow/**", sdmx_dataflow_get, sdmx_structure_params,
     ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/sdmx/datastructure/**", sdmx_datastructure_get, sdmx_structure_params,
     ROLE_PUBLIC | READERS},
    {"GET", "/api/v1/sdmx/data/**", sdmx_data_get, sdmx_data_params, ROLE_PUBLIC | READERS},
    {"GET", "/metrics", prometheus_get, NULL, ROLE_MONITOR | ROLE_ADMIN},
    {"GET", "/", web_get, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/assets/*", web_get, NULL, ROLE_PUBLIC | READERS},
    {"GET", "/embed", web_get, NULL, ROLE_PUBLIC | READERS},
};
const size_t server_nroutes = sizeof server_routes / sizeof server_routes[0];
