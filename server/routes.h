/* The handlers behind the route table (routes.c), one file each. */
#ifndef WQ_ROUTES_H
#define WQ_ROUTES_H

#include "server/http.h"

void health_get(struct http_req *req, struct http_resp *resp);
void analytics_get(struct http_req *req, struct http_resp *resp);
void indicators_list(struct http_req *req, struct http_resp *resp);
void dimensions_list(struct http_req *req, struct http_resp *resp);
void dimension_get(struct http_req *req, struct http_resp *resp);

#endif
