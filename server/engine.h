/* The column engine (docs/architecture.md "The column engine"): the analytics facts of the
 * data version tokens are answered from in memory as columns (columns.h): the version of
 * their period (period.h), loaded by a thread of its own at start and at each new period
 * (common/version.h hears them). An answer takes
 * the version it reads and gives it back: versions swap atomically, so an answer never
 * mixes two, and the old one is freed when its last reader leaves. While a new version is
 * loading, or when a load failed (logged, and tried again), answers come from the SQL path,
 * which stays the reference ([server] column_engine = false: it alone). */
#ifndef WQ_ENGINE_H
#define WQ_ENGINE_H

#include "common/config.h"
#include "common/version.h"
#include "server/columns.h"

struct engine;

/* Starts loading; NULL when [server] column_engine is off. */
struct engine *engine_start(const struct wq_config *cfg, struct version_watch *w);
void engine_stop(struct engine *en);
/* The columns of the period the engine answers in, and its id in *period, held until
 * engine_release; NULL when the engine answers in none now (off, loading, a load failed,
 * or no period started). */
const struct columns *engine_acquire(struct engine *en, long long *period);
void engine_release(struct engine *en, const struct columns *c);
/* 1 and the period the engine answers in and its version; 0 when none. */
int engine_period(struct engine *en, long long *period, long long *version);
/* What the engine holds (for /metrics): the current version (0: none), its memory and
 * victim-years, the last load's seconds, the versions held (the current one and replaced
 * ones still read), and the answers it gave and left to the SQL path. */
struct engine_state {
	long long version, period;
	size_t bytes, victim_years;
	double load_seconds;
	int held;
	unsigned long answered, missed;
};
void engine_state(struct engine *en, struct engine_state *st);

#endif
