/* Keeping the analytics tables up to date after intake (docs/intake.md "Freshness"): every
 * write queues what it changed (warehouse.refresh_queue, in its own transaction), and the
 * refresher replaces the analytics rows of exactly those persons and cases with
 * warehouse.refresh_analytics(), which gives what a full rebuild gives (one text of the
 * counting rules serves both; tests/integration/intake_refresh.sh compares them). It waits
 * to gather changes: a refresh starts once the oldest change has waited a third of
 * [intake] refresh_delay (less, when the last refresh took more than a third of it), so
 * that a change shows within refresh_delay while refreshes stay few (each is a new data
 * version, which empties the server's cache). The queue is in the database, so that nothing is lost
 * when the intake stops or is killed: the next start finds it. */
#ifndef WQ_REFRESHER_H
#define WQ_REFRESHER_H

#include <libpq-fe.h>

#include "common/config.h"
#include "common/error.h"

/* One incremental refresh on conn (REPEATABLE READ, under the refresh lock): 1 with
 * *version the new data version, 0 when nothing was queued, -1 with e set. A queue that
 * holds much of the warehouse is rebuilt whole instead, on connections of cfg's
 * (etl/load/rebuild.h). */
int refresh_queued(PGconn *conn, const struct wq_config *cfg, long *version, struct wq_error *e);
/* The full rebuild of the analytics (etl/load/rebuild.h), under the refresh lock: 0 with
 * *version the new data version, or -1 with e set. */
int refresh_all(PGconn *conn, const struct wq_config *cfg, long *version, struct wq_error *e);

struct refresher;

/* Starts the refresher thread (its own connection as the loader). */
struct refresher *refresher_start(const struct wq_config *cfg);
/* Something was queued just now. */
void refresher_poke(struct refresher *r);
void refresher_stop(struct refresher *r);

#endif
