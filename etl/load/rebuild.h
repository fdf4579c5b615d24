/* The full rebuild of the analytics tables with its facts built at once, on connections of
 * their own (docs/architecture.md "Loading"): the rebuild's transaction empties the tables
 * (warehouse.rebuild_start) and exports its snapshot; a connection a core imports it and
 * runs facts' queries (warehouse.rebuild_parts) as COPYs to this process, which copies the
 * rows into the rebuild's transaction as they come, fact after fact in the order they are
 * ready, and analyses each once in; then warehouse.rebuild_finish. The facts' joins and
 * sorts run on every core while their rows go in; nothing shows before the one commit,
 * and the rows are those of warehouse.rebuild_analytics, which does the same in one
 * transaction. Memory stays flat: a row is copied as it is read. */
#ifndef WQ_REBUILD_H
#define WQ_REBUILD_H

#include <libpq-fe.h>

#include "common/config.h"
#include "common/error.h"

/* Rebuilds the analytics in conn's open REPEATABLE READ transaction, which has changed
 * nothing (what it would change, the facts' connections would not see), under the
 * refresh lock. Returns 0 with *version the new data version, or -1 with e set: the
 * caller then rolls the transaction back. */
int rebuild_parallel(PGconn *conn, const struct wq_config *cfg, long *version, struct wq_error *e);

#endif
