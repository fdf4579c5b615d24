/* The handlers behind the route table (routes.c), one file each. */
#ifndef WQ_ROUTES_H
#define WQ_ROUTES_H

#include <stddef.h>

#include "common/http.h"

extern const struct http_route server_routes[];
extern const size_t server_nroutes;

void health_get(struct http_request *req, struct http_response *resp);
void analytics_get(struct http_request *req, struct http_response *resp);
void trends_get(struct http_request *req, struct http_response *resp);
void risk_factors_get(struct http_request *req, struct http_response *resp);
void interventions_get(struct http_request *req, struct http_response *resp);
void pathway_get(struct http_request *req, struct http_response *resp);
void hidden_get(struct http_request *req, struct http_response *resp);
void nowcast_get(struct http_request *req, struct http_response *resp);
void openapi_get(struct http_request *req, struct http_response *resp);
void catalogue_indicators(struct http_request *req, struct http_response *resp);
void catalogue_dimensions(struct http_request *req, struct http_response *resp);
void catalogue_dimension(struct http_request *req, struct http_response *resp);
void disclosure_get(struct http_request *req, struct http_response *resp);
void data_quality_get(struct http_request *req, struct http_response *resp);
void releases_get(struct http_request *req, struct http_response *resp);
void release_get_route(struct http_request *req, struct http_response *resp);
void sdmx_dataflow_get(struct http_request *req, struct http_response *resp);
void sdmx_datastructure_get(struct http_request *req, struct http_response *resp);
void sdmx_data_get(struct http_request *req, struct http_response *resp);
void prometheus_get(struct http_request *req, struct http_response *resp);
void web_get(struct http_request *req, struct http_response *resp);

#endif
