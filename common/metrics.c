/* Request metrics (see metrics.h). One mutex: an observation is a few increments, and the
 * core already takes a lock per connection. */
#include "common/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "common/xalloc.h"

/* Latency buckets, seconds (Prometheus' defaults). */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS     (sizeof buckets / sizeof buckets[0])
#define MAX_STATUSES 24

struct route_stats {
	unsigned status[MAX_STATUSES];
	unsigned long count[MAX_STATUSES];
	int nstatus;
	unsigned long hist[NBUCKETS + 1]; /* the last: above every bucket */
	double sum;
	unsigned long total;
};

struct metrics {
	pthread_mutex_t mu;
	const struct http_route *routes;
	size_t nroutes;
	struct route_stats *stats; /* by route; the last for requests no route matched */
	unsigned long db_errors;
};

struct metrics *metrics_new(const struct http_route *routes, size_t nroutes)
{
	struct metrics *m = xcalloc(1, sizeof *m);
	pthread_mutex_init(&m->mu, NULL);
	m->routes = routes;
	m->nroutes = nroutes;
	m->stats = xcalloc(nroutes + 1, sizeof *m->stats);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->stats);
	free(m);
}

void metrics_observe(struct metrics *m, const struct http_route *route, unsigned status,
		     double seconds)
{
	size_t i = route ? (size_t)(route - m->routes) : m->nroutes;
	if (i > m->nroutes)
		i = m->nroutes;
	pthread_mutex_lock(&m->mu);
	struct route_stats *s = &m->stats[i];
	int k = 0;
	while (k < s->nstatus && s->status[k] != status)
		k++;
	if (k == s->nstatus && k < MAX_STATUSES)
		s->status[s->nstatus++] = status;
	if (k < MAX_STATUSES)
		s->count[k]++;
	size_t b = 0;
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	s->hist[b]++;
	s->sum += seconds;
	s->total++;
	pthread_mutex_unlock(&m->mu);
}

void metrics_db_error(struct metrics *m)
{
	pthread_mutex_lock(&m->mu);
	m->db_errors++;
	pthread_mutex_unlock(&m->mu);
}

static const char *route_label(const struct metrics *m, size_t i)
{
	return i < m->nroutes ? m->routes[i].path : "none";
}

void metrics_render(struct metrics *m, const char *prefix, struct strbuf *out)
{
	pthread_mutex_lock(&m->mu);
	sb_printf(out,
		  "# HELP %s_http_requests_total Requests answered, by route, method and status.\n"
		  "# TYPE %s_http_requests_total counter\n",
		  prefix, prefix);
	for (size_t i = 0; i <= m->nroutes; i++)
		for (int k = 0; k < m->stats[i].nstatus; k++)
			sb_printf(
			    out,
			    "%s_http_requests_total{route=\"%s\",method=\"%s\",code=\"%u\"} %lu\n",
			    prefix, route_label(m, i),
			    i < m->nroutes ? m->routes[i].method : "none", m->stats[i].status[k],
			    m->stats[i].count[k]);
	sb_printf(out,
		  "# HELP %s_http_request_duration_seconds Time from the request's arrival to its "
		  "answer, by route.\n"
		  "# TYPE %s_http_request_duration_seconds histogram\n",
		  prefix, prefix);
	for (size_t i = 0; i <= m->nroutes; i++) {
		const struct route_stats *s = &m->stats[i];
		if (!s->total)
			continue;
		unsigned long cum = 0;
		for (size_t b = 0; b < NBUCKETS; b++) {
			cum += s->hist[b];
			sb_printf(
			    out,
			    "%s_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %lu\n",
			    prefix, route_label(m, i), buckets[b], cum);
		}
		sb_printf(out,
			  "%s_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %lu\n"
			  "%s_http_request_duration_seconds_sum{route=\"%s\"} %.9g\n"
			  "%s_http_request_duration_seconds_count{route=\"%s\"} %lu\n",
			  prefix, route_label(m, i), s->total, prefix, route_label(m, i), s->sum,
			  prefix, route_label(m, i), s->total);
	}
	sb_printf(out,
		  "# HELP %s_db_errors_total Database connections that failed or broke.\n"
		  "# TYPE %s_db_errors_total counter\n%s_db_errors_total %lu\n",
		  prefix, prefix, prefix, m->db_errors);
	pthread_mutex_unlock(&m->mu);
}
