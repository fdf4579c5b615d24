/* The column engine (docs/architecture.md "The column engine"): the analytics facts of the
 * current data version in memory as columns (columns.h), loaded at start and again on each
 * new version the watcher hears (common/version.h), by a thread of its own. An answer takes
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
/* The columns of data version `version`, held until engine_release; NULL when the engine
 * has no such version now (off, loading it, or a load failed). */
const struct columns *engine_acquire(struct engine *en, long long version);
void engine_release(struct engine *en, const struct columns *c);
/* What the engine holds (for /metrics): the current version (0: none), its memory and
 * victim-years, the last load's seconds, the versions held (the current one and replaced
 * ones still read), and the answers it gave and left to the SQL path. */
struct engine_state {
	long long version;
	size_t bytes, victim_years;
	double load_seconds;
	int held;
	unsigned long answered, missed;
};
void engine_state(struct engine *en, struct engine_state *st);

#endif
