/* The HTTP core's request metrics (Prometheus text exposition): requests by route, method
 * and status, a latency histogram by route, and database errors. Counted by the core for
 * every request it answers; rendered by a program's /metrics handler (http_metrics). */
#ifndef WQ_METRICS_H
#define WQ_METRICS_H

#include <stddef.h>

#include "common/strbuf.h"

struct http_route;
struct metrics;

struct metrics *metrics_new(const struct http_route *routes, size_t nroutes);
void metrics_free(struct metrics *m);

/* One answered request: its route (NULL: none matched), status and duration. */
void metrics_observe(struct metrics *m, const struct http_route *route, unsigned status,
		     double seconds);
void metrics_db_error(struct metrics *m);

/* Appends the metrics, with their HELP and TYPE lines, under the prefix (e.g. "wiqaya"). */
void metrics_render(struct metrics *m, const char *prefix, struct strbuf *out);

#endif
