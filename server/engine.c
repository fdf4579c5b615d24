/* The column engine's versions (see engine.h). */
#include "server/engine.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/cores.h"
#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "server/period.h"

/* How often the loader looks at the watcher's version, and waits after a failed load
 * (doubling up to the most). */
#define LOOK_MS	     50
#define RETRY_MS     5000
#define RETRY_MAX_MS 300000

struct engine {
	const struct wq_config *cfg;
	struct version_watch *watch;
	pthread_mutex_t lock;
	struct columns *current;
	long long period; /* the period current answers in (period.h); 0: none yet */
	/* Replaced versions still read by an answer: freed by their last reader. */
	struct columns *retired[64];
	int nretired;
	unsigned long answered, missed; /* acquisitions that found their version, or not */
	atomic_int stop;
	pthread_t thread;
};

static void nap(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* Makes c current in period (0: none, answers go to the SQL path); the replaced version is
 * freed now or by its last reader. c the current one: only its period changes. */
static void install(struct engine *en, struct columns *c, long long period)
{
	struct columns *old;
	pthread_mutex_lock(&en->lock);
	en->period = period;
	old = en->current == c ? NULL : en->current;
	en->current = c;
	if (old && old->readers > 0 &&
	    en->nretired < (int)(sizeof en->retired / sizeof *en->retired)) {
		en->retired[en->nretired++] = old;
		old = NULL;
	} else if (old && old->readers > 0) {
		/* Never reached with 64 slots and one load at a time: left allocated (leaked)
		 * rather than freed under its readers. */
		log_error("the column engine left a replaced version allocated: too many read");
		old = NULL;
	}
	pthread_mutex_unlock(&en->lock);
	columns_free(old);
	/* Columns of a megabyte and more are allocated above the mmap threshold (engine_start),
	 * so freeing a version gives their memory back to the system at once. */
}

/* Version want is not loaded again before *next: 5 s after its first time, then twice as
 * long each time up to 5 minutes. */
static void back_off(long long want, long long *failed, int *delay, double *next)
{
	*delay = want != *failed ? RETRY_MS : 2 * *delay > RETRY_MAX_MS ? RETRY_MAX_MS : 2 * *delay;
	*failed = want;
	*next = clock_now() + *delay / 1000.0;
}

/* The loader: keeps in memory the version of the period tokens are answered in. A period
 * whose version it holds, it adopts. A newer one (another server's, an admin's) it adopts
 * when it can load its version, the database's still; when it cannot (a refresh since), it
 * keeps answering in its own period rather than start another over it: two servers would
 * otherwise leapfrog, a period a refresh (a cold review's finding). It starts a period
 * only at the calendar's turn (period.h's guard lets one server a turn win) or when it
 * answers in none (started, or a load failed): at the version it loaded. A new data
 * version inside a period is not loaded. */
static void *loader(void *arg)
{
	struct engine *en = arg;
	int parts = cores(8);
	long long failed = -1; /* the version not loaded again before next */
	int delay = 0;	       /* milliseconds from then */
	double next = 0;
	PGconn *conn = NULL; /* for starting periods */
	while (!atomic_load(&en->stop)) {
		long long live = version_watch_get(en->watch);
		struct data_period per;
		int known = version_watch_period(en->watch, &per) == 0;
		int current = known && period_is_current(&per, en->cfg);
		/* (Only this thread writes current and period.) */
		long long have = en->current ? en->current->version : 0, mine = en->period;
		if (live == 0 || (current && have != per.version && mine && per.version != live)) {
			nap(LOOK_MS);
			continue;
		}
		if (current && have == per.version) {
			if (mine != per.id)
				install(en, en->current, per.id);
			nap(LOOK_MS);
			continue;
		}
		struct columns *c = en->current;
		if (have != live) {
			/* A failed version not tried again before the back-off; the watcher behind
			 * the version just loaded (its notice on the way, or a pooler that drops
			 * it): not loaded again at once, in a loop; still older after 5 s (a
			 * database restored), it is. */
			int waiting = live == failed && clock_now() < next;
			if (waiting || (live < have && live != failed)) {
				if (!waiting)
					back_off(live, &failed, &delay, &next);
				if (!current && mine)
					install(en, en->current, 0); /* its period over: the SQL path */
				nap(LOOK_MS);
				continue;
			}
			struct wq_error e;
			if (!(c = columns_load(en->cfg, parts, &e))) {
				/* The same failure again is likely (a value the columns cannot
				 * hold, a missing privilege): tried again after the back-off; a
				 * new version at once. A period over is not answered in meanwhile:
				 * the SQL path starts the next. */
				back_off(live, &failed, &delay, &next);
				log_error("%s: %s (%s) -- answering from the SQL path; trying again "
					  "in %d s",
					  e.code, e.message, e.detail, delay / 1000);
				if (!current && mine)
					install(en, en->current, 0);
				continue;
			}
			/* Another version than the watcher's (the database moved on, or the
			 * watcher stays behind): the watcher's is not asked for again before the
			 * back-off. */
			if (c->version != live)
				back_off(live, &failed, &delay, &next);
			else
				failed = -1;
			const struct fact_columns *vy = columns_fact(c, model_fact("victim_year"));
			log_info("column engine: data version %lld in %.2f s, %zu victim-years, "
				 "%.1f MB (%.1f bytes a victim-year); %d parts, %d of %d facts "
				 "read by years",
				 c->version, c->seconds, vy ? vy->rows : 0, (double)c->bytes / 1e6,
				 vy && vy->rows ? (double)c->bytes / (double)vy->rows : 0.0, parts,
				 c->facts_by_years, c->nfacts);
		}
		/* The period at the version now held: the latest, if it is at it (another
		 * server's, loaded meanwhile); else, at the calendar's turn or answering in none,
		 * one this server starts; else (a refresh came between) its own stays. */
		known = version_watch_period(en->watch, &per) == 0;
		current = known && period_is_current(&per, en->cfg);
		if (current && per.version == c->version) {
			install(en, c, per.id);
			continue;
		}
		if (current && mine) {
			if (c != en->current)
				columns_free(c); /* (never installed: nothing reads it) */
			nap(LOOK_MS);
			continue;
		}
		struct wq_error e;
		if ((!conn && !(conn = db_connect(en->cfg, en->cfg->db_reader_user, &e))) ||
		    period_start(conn, en->watch, en->cfg, per.id, c->version,
				 current ? "version" : "calendar", &per, &e) < 0) {
			log_error("%s: %s -- no period started; tokens are answered from the SQL "
				  "path",
				  e.code, e.message);
			PQfinish(conn);
			conn = NULL;
			install(en, c, 0);
			nap(RETRY_MS);
			continue;
		}
		/* (Another server's period at another version: answered from SQL until the
		 * next turn of the loop.) */
		install(en, c, per.version == c->version ? per.id : 0);
	}
	PQfinish(conn);
	return NULL;
}

struct engine *engine_start(const struct wq_config *cfg, struct version_watch *w)
{
	if (!cfg->column_engine)
		return NULL;
	/* Blocks of 1 MiB or more mapped apart, at a fixed threshold (glibc's adjusts itself
	 * upwards as large blocks are freed, and would then keep a replaced version's columns
	 * in the heap): a version's columns go back to the system when it is freed. Freed
	 * memory below that stays in the heap up to 64 MiB an arena (glibc's default trims
	 * above 128 KiB once the threshold is fixed): an answer's cells, sums and body, some
	 * hundreds of KiB each, were mapped anew and faulted in page by page on every fresh
	 * table (1,100 page faults, a tenth of its time). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	struct engine *en = xcalloc(1, sizeof *en);
	en->cfg = cfg;
	en->watch = w;
	pthread_mutex_init(&en->lock, NULL);
	atomic_init(&en->stop, 0);
	if (pthread_create(&en->thread, NULL, loader, en) != 0) {
		log_error("the column engine could not start its thread: answering from SQL");
		free(en);
		return NULL;
	}
	return en;
}

void engine_stop(struct engine *en)
{
	if (!en)
		return;
	atomic_store(&en->stop, 1);
	pthread_join(en->thread, NULL);
	columns_free(en->current);
	for (int i = 0; i < en->nretired; i++)
		columns_free(en->retired[i]);
	pthread_mutex_destroy(&en->lock);
	free(en);
}

const struct columns *engine_acquire(struct engine *en, long long *period)
{
	struct columns *c = NULL;
	*period = 0;
	if (!en)
		return NULL;
	pthread_mutex_lock(&en->lock);
	if (en->current && en->period) {
		c = en->current;
		c->readers++;
		*period = en->period;
		en->answered++;
	} else {
		en->missed++;
	}
	pthread_mutex_unlock(&en->lock);
	return c;
}

int engine_period(struct engine *en, long long *period, long long *version)
{
	int has = 0;
	if (!en)
		return 0;
	pthread_mutex_lock(&en->lock);
	if (en->current && en->period) {
		*period = en->period;
		*version = en->current->version;
		has = 1;
	}
	pthread_mutex_unlock(&en->lock);
	return has;
}

void engine_release(struct engine *en, const struct columns *held)
{
	struct columns *gone = NULL;
	if (!en || !held)
		return;
	pthread_mutex_lock(&en->lock);
	for (int i = 0; i < en->nretired; i++)
		if (en->retired[i] == held) {
			if (--en->retired[i]->readers == 0) {
				gone = en->retired[i];
				en->retired[i] = en->retired[--en->nretired];
			}
			held = NULL;
			break;
		}
	if (held)
		((struct columns *)held)->readers--;
	pthread_mutex_unlock(&en->lock);
	columns_free(gone);
}

void engine_state(struct engine *en, struct engine_state *st)
{
	memset(st, 0, sizeof *st);
	if (!en)
		return;
	pthread_mutex_lock(&en->lock);
	if (en->current) {
		const struct fact_columns *vy =
		    columns_fact(en->current, model_fact("victim_year"));
		st->version = en->current->version;
		st->period = en->period;
		st->bytes = en->current->bytes;
		st->victim_years = vy ? vy->rows : 0;
		st->load_seconds = en->current->seconds;
	}
	st->held = (en->current != NULL) + en->nretired;
	st->answered = en->answered;
	st->missed = en->missed;
	pthread_mutex_unlock(&en->lock);
}
