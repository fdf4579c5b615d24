/* The server's audit writer (see audit.h); the chain itself is common/audit_chain.c. */
#include "server/audit.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/audit_chain.h"
#include "common/db.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

struct audit {
	const struct wq_config *cfg;
	const uint8_t *key;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct audit_row *ring;
	size_t cap, head, len;
	unsigned long dropped, written;
	int stopping;
	pthread_t thread;
};

/* ---- the writer ---- */

static void *writer(void *arg)
{
	struct audit *a = arg;
	struct wq_error e;
	PGconn *conn = NULL;
	struct audit_row *batch = xcalloc(a->cap, sizeof *batch);
	for (;;) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)a->cfg->audit_flush_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&a->mu);
		if (!a->stopping && a->len < a->cap / 2)
			pthread_cond_timedwait(&a->cv, &a->mu, &until);
		size_t n = a->len;
		for (size_t i = 0; i < n; i++)
			batch[i] = a->ring[(a->head + i) % a->cap];
		a->head = (a->head + n) % a->cap;
		a->len = 0;
		int stop = a->stopping;
		pthread_mutex_unlock(&a->mu);
		while (n) {
			if (!conn || PQstatus(conn) != CONNECTION_OK) {
				PQfinish(conn);
				conn = db_connect(a->cfg, a->cfg->db_reader_user, &e);
			}
			if (conn && audit_append_rows(conn, a->key, "query", batch, n, &e) == 0) {
				pthread_mutex_lock(&a->mu);
				a->written += n;
				pthread_mutex_unlock(&a->mu);
				break;
			}
			/* Kept and retried: an audit row is lost only when the queue overflows, or
			 * when the server stops with the database away (counted as dropped). */
			log_error("audit: %s: %s (retrying)", e.code, e.message);
			if (stop) {
				pthread_mutex_lock(&a->mu);
				a->dropped += n;
				pthread_mutex_unlock(&a->mu);
				break;
			}
			struct timespec pause = {1, 0};
			nanosleep(&pause, NULL);
		}
		for (size_t i = 0; i < n; i++)
			free(batch[i].body);
		if (stop)
			break;
	}
	free(batch);
	PQfinish(conn);
	return NULL;
}

struct audit *audit_start(const struct wq_config *cfg, const uint8_t *key)
{
	struct audit *a = xcalloc(1, sizeof *a);
	a->cfg = cfg;
	a->key = key;
	a->cap = (size_t)cfg->audit_queue;
	a->ring = xcalloc(a->cap, sizeof *a->ring);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	pthread_create(&a->thread, NULL, writer, a);
	return a;
}

void audit_stop(struct audit *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stopping = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	for (size_t i = 0; i < a->len; i++)
		free(a->ring[(a->head + i) % a->cap].body);
	if (a->dropped)
		log_error("audit: %lu rows were dropped (the queue was full)", a->dropped);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->ring);
	free(a);
}

void audit_query(struct audit *a, int token_id, const char *query, unsigned status, size_t cells,
		 double epsilon)
{
	struct audit_row en;
	json_t *j = json_pack("{s:i,s:s,s:i,s:I,s:f}", "token", token_id, "query", query, "status",
			      (int)status, "cells", (json_int_t)cells, "epsilon", epsilon);
	audit_now(en.at);
	en.body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(j);
	pthread_mutex_lock(&a->mu);
	if (a->len == a->cap) {
		a->dropped++;
		free(en.body);
	} else {
		a->ring[(a->head + a->len) % a->cap] = en;
		a->len++;
		if (a->len >= a->cap / 2)
			pthread_cond_signal(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
}

unsigned long audit_dropped(struct audit *a)
{
	pthread_mutex_lock(&a->mu);
	unsigned long d = a->dropped;
	pthread_mutex_unlock(&a->mu);
	return d;
}

unsigned long audit_written(struct audit *a)
{
	pthread_mutex_lock(&a->mu);
	unsigned long w = a->written;
	pthread_mutex_unlock(&a->mu);
	return w;
}
