/* Schema migrations: sql/migrations/NNN_name.sql applied in order, each in its own
 * transaction, recorded in public.schema_migrations with a checksum. */
#ifndef WQ_MIGRATE_H
#define WQ_MIGRATE_H

#include <libpq-fe.h>

#include "common/error.h"

/* Applies every migration of DIR not yet recorded. Concurrent runs are serialised by an
 * advisory lock. A recorded migration whose file has changed is an error (S4002), since
 * the database no longer matches the files. Returns the number applied, or -1 with e set
 * (S4001 unreadable directory or file, S4003 a migration failed: nothing of it remains). */
int migrate_run(PGconn *conn, const char *dir, struct wq_error *e);

#endif
