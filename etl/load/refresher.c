/* The refresher (see refresher.h). */
#include "etl/load/refresher.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "etl/load/rebuild.h"

/* Under the refresh lock, in one REPEATABLE READ transaction: the whole rebuild on
 * several connections when FULL or when the queue holds much of the warehouse
 * (warehouse.refresh_needs_rebuild), else the queue's refresh. 1 with *version, 0 when
 * nothing was queued, -1 with e set. */
static int refresh(PGconn *conn, const struct wq_config *cfg, int full, long *version,
		   struct wq_error *e)
{
	/* The session lock first, then the snapshot: a full rebuild that committed while we
	 * waited is in the snapshot, one that starts later waits for us. */
	if (db_run(conn, e, "SELECT pg_advisory_lock(warehouse.refresh_lock())", 0, NULL) < 0)
		return -1;
	int rc = -1;
	PGresult *r = NULL;
	if (db_run(conn, e, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL) < 0)
		goto out;
	if (!full) {
		if (!(r = db_exec(conn, e, "SELECT warehouse.refresh_needs_rebuild()", 0, NULL)))
			goto failed;
		full = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		r = NULL;
	}
	if (full) {
		if (rebuild_parallel(conn, cfg, version, e) < 0)
			goto failed;
		rc = 1;
	} else {
		if (!(r = db_exec(conn, e, "SELECT warehouse.refresh_analytics()", 0, NULL)))
			goto failed;
		rc = !PQgetisnull(r, 0, 0);
		if (rc)
			*version = atol(PQgetvalue(r, 0, 0));
	}
	if (db_run(conn, e, "COMMIT", 0, NULL) == 0)
		goto out;
failed:
	rc = -1;
	PQclear(PQexec(conn, "ROLLBACK"));
out:
	PQclear(r);
	PQclear(PQexec(conn, "SELECT pg_advisory_unlock(warehouse.refresh_lock())"));
	return rc;
}

int refresh_queued(PGconn *conn, const struct wq_config *cfg, long *version, struct wq_error *e)
{
	return refresh(conn, cfg, 0, version, e);
}

int refresh_all(PGconn *conn, const struct wq_config *cfg, long *version, struct wq_error *e)
{
	return refresh(conn, cfg, 1, version, e) < 0 ? -1 : 0;
}

struct refresher {
	const struct wq_config *cfg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int poked, stopping;
	pthread_t thread;
};

void refresher_poke(struct refresher *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->poked = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Sleeps up to SECONDS, or until stopped, or poked when POKES. Returns 1 when stopping. */
static int pause_for(struct refresher *r, double seconds, int pokes)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	long long ns = until.tv_nsec + (long long)(seconds * 1e9);
	until.tv_sec += (time_t)(ns / 1000000000LL);
	until.tv_nsec = (long)(ns % 1000000000LL);
	pthread_mutex_lock(&r->mu);
	while (!(pokes && r->poked) && !r->stopping)
		if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0)
			break;
	r->poked = 0;
	int stop = r->stopping;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

static void *run(void *arg)
{
	struct refresher *r = arg;
	PGconn *conn = NULL;
	struct wq_error e;
	double last = 0; /* the last refresh's duration */
	/* Poll besides the pokes: batch loads with --no-refresh queue too. */
	double poll = r->cfg->refresh_delay / 4.0 < 5 ? r->cfg->refresh_delay / 4.0 : 5;
	for (;;) {
		if (!conn || PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			conn = db_connect(r->cfg, r->cfg->db_loader_user, &e);
			if (!conn) {
				if (pause_for(r, 1, 0))
					break;
				continue;
			}
		}
		PGresult *q = db_exec(conn, &e,
				      "SELECT extract(epoch FROM now() - min(queued_at)) "
				      "FROM warehouse.refresh_queue",
				      0, NULL);
		if (!q) {
			if (pause_for(r, 1, 0))
				break;
			continue;
		}
		int pending = !PQgetisnull(q, 0, 0);
		double age = pending ? atof(PQgetvalue(q, 0, 0)) : 0;
		PQclear(q);
		/* Gather for a third of the delay: a refresh takes about as long as its changes
		 * took to arrive at the intake's full rate (bench/intake.sh), so the oldest change
		 * waits about two thirds; less when the last refresh was slower than that. */
		double gather = r->cfg->refresh_delay / 3.0;
		if (gather > r->cfg->refresh_delay - 2 * last - 1)
			gather = r->cfg->refresh_delay - 2 * last - 1;
		if (gather < 0)
			gather = 0;
		if (pending && age >= gather) {
			long v = 0;
			double t0 = clock_now();
			int rc = refresh_queued(conn, r->cfg, &v, &e);
			last = clock_now() - t0;
			if (rc < 0)
				log_error("refresh: %s: %s", e.code, e.message);
			else if (rc > 0)
				log_info("refresh: data version %ld in %.2f s", v, last);
			continue;
		}
		/* Pending: asleep until the oldest change is due (pokes change nothing then). */
		double wait = pending ? gather - age : poll;
		if (pause_for(r, pending ? wait : poll, !pending))
			break;
	}
	PQfinish(conn);
	return NULL;
}

struct refresher *refresher_start(const struct wq_config *cfg)
{
	struct refresher *r = xcalloc(1, sizeof *r);
	r->cfg = cfg;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	pthread_create(&r->thread, NULL, run, r);
	return r;
}

void refresher_stop(struct refresher *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
