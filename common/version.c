/* The data version watcher (see version.h): a thread that connects as its program's role,
 * LISTENs, reads the version, then waits on the socket for notifications (their payload
 * is the new version; a token change empties the token cache), asks it after a second of
 * silence whether it still answers, and reconnects after a failure. */
#include "common/version.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"

struct version_watch {
	const struct wq_config *cfg;
	const char *db_user;
	struct token_cache *tokens;
	pthread_t thread;
	atomic_llong version;
	atomic_int stop;
	pthread_mutex_t lock; /* guards period */
	struct data_period period;
};

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* LISTEN, then the version as it stands (in that order: a rebuild in between is seen). */
static int subscribe(struct version_watch *w, PGconn *conn)
{
	struct wq_error e;
	if (db_run(conn, &e, "SET application_name = 'wiqaya-watch'", 0, NULL) < 0 ||
	    db_run(conn, &e, "LISTEN wiqaya_data_version", 0, NULL) < 0 ||
	    db_run(conn, &e, "LISTEN wiqaya_tokens", 0, NULL) < 0 ||
	    db_run(conn, &e, "LISTEN wiqaya_period", 0, NULL) < 0)
		return -1;
	token_cache_invalidate(w->tokens, 1); /* anything heard before may be stale */
	PGresult *r = db_exec(conn, &e,
			      "SELECT version, p.id, p.data_version, p.calendar "
			      "FROM analytics.data_version LEFT JOIN "
			      "(SELECT * FROM auth.period ORDER BY id DESC LIMIT 1) p ON true",
			      0, NULL);
	if (!r)
		return -1;
	struct data_period p = {0, 0, 0};
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 1))
		p = (struct data_period){atoll(PQgetvalue(r, 0, 1)), atoll(PQgetvalue(r, 0, 2)),
					 atoi(PQgetvalue(r, 0, 3))};
	atomic_store(&w->version, PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : 0);
	PQclear(r);
	version_watch_period_seen(w, &p); /* (never back: one this server just started) */
	return 0;
}

/* Acts on the notifications libpq has read. */
static void hear(struct version_watch *w, PGconn *conn)
{
	PGnotify *n;
	while ((n = PQnotifies(conn))) {
		if (!strcmp(n->relname, "wiqaya_tokens")) {
			token_cache_invalidate(w->tokens, 1);
		} else if (!strcmp(n->relname, "wiqaya_period")) {
			struct data_period p;
			if (sscanf(n->extra, "%lld %lld %d", &p.id, &p.version, &p.calendar) == 3)
				version_watch_period_seen(w, &p);
		} else {
			long long v = atoll(n->extra);
			if (v > 0)
				atomic_store(&w->version, v);
		}
		PQfreemem(n);
	}
}

/* The answer to the probe in flight, read: 1 it came (and was the empty query's), 0 not
 * yet, -1 something else. */
static int probe_answered(PGconn *conn)
{
	if (PQisBusy(conn))
		return 0;
	return db_results_are(conn, PGRES_EMPTY_QUERY) ? 1 : -1;
}

static void *watch(void *arg)
{
	struct version_watch *w = arg;
	PGconn *conn = NULL;
	/* A connection that no longer answers (its backend stopped, the network gone quiet)
	 * says nothing: after a second of silence it is asked (an empty query), and made
	 * again when the answer takes longer than a token's read barrier may. */
	double quiet = 0, probed = 0;
	while (!atomic_load(&w->stop)) {
		if (!conn) {
			struct wq_error e;
			conn = db_connect(w->cfg, w->db_user, &e);
			if (!conn || subscribe(w, conn) < 0) {
				PQfinish(conn);
				conn = NULL;
				atomic_store(&w->version, 0);
				token_cache_invalidate(w->tokens, 0);
				nap(1000);
				continue;
			}
			quiet = clock_now(), probed = 0;
		}
		int failed = 0;
		if (!probed && clock_now() - quiet > 1.0) {
			probed = clock_now();
			failed = !PQsendQuery(conn, "");
		}
		if (probed && clock_now() - probed > TOKEN_CACHE_BARRIER_MS / 1000.0)
			failed = 1;
		/* Stop is checked five times a second. */
		struct pollfd in = {PQsocket(conn), POLLIN, 0};
		int ready = failed ? 0 : poll(&in, 1, 200);
		if (ready > 0 && (in.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !PQconsumeInput(conn))
			failed = 1;
		if (!failed)
			hear(w, conn);
		int answered = failed || !probed ? 0 : probe_answered(conn);
		if (answered > 0)
			quiet = clock_now(), probed = 0;
		if (failed || answered < 0 || PQstatus(conn) != CONNECTION_OK) {
			log_warning("the data version watch lost its connection; reconnecting");
			atomic_store(&w->version, 0);
			token_cache_invalidate(w->tokens, 0);
			PQfinish(conn);
			conn = NULL;
		}
	}
	token_cache_invalidate(w->tokens, 0);
	PQfinish(conn);
	return NULL;
}

struct version_watch *version_watch_start(const struct wq_config *cfg, const char *db_user,
					  struct token_cache *tokens)
{
	struct version_watch *w = xcalloc(1, sizeof *w);
	w->cfg = cfg;
	w->db_user = db_user;
	w->tokens = tokens;
	atomic_init(&w->version, 0);
	atomic_init(&w->stop, 0);
	pthread_mutex_init(&w->lock, NULL);
	if (pthread_create(&w->thread, NULL, watch, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void version_watch_stop(struct version_watch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, 1);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

long long version_watch_get(struct version_watch *w)
{
	return w ? atomic_load(&w->version) : 0;
}

int version_watch_period(struct version_watch *w, struct data_period *p)
{
	memset(p, 0, sizeof *p);
	if (!w || !atomic_load(&w->version))
		return -1;
	pthread_mutex_lock(&w->lock);
	*p = w->period;
	pthread_mutex_unlock(&w->lock);
	return p->id ? 0 : -1;
}

void version_watch_period_seen(struct version_watch *w, const struct data_period *p)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	if (p->id > w->period.id)
		w->period = *p;
	pthread_mutex_unlock(&w->lock);
}
