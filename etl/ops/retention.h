/* Retention of children who harmed (case-record.md): their pseudonyms are kept under a key
 * of their own and unlinked once their last case is older than the configured retention,
 * so that a child is rehabilitated, not registered. Unlinking deletes the person's tokens;
 * the person stays, counted, with no way to link anything new to it. */
#ifndef WQ_RETENTION_H
#define WQ_RETENTION_H

#include <libpq-fe.h>

#include "common/error.h"

/* Unlinks every child who harmed whose latest case was reported more than MONTHS months
 * before today. Returns the number of persons unlinked, or -1 with e set. */
long retention_run(PGconn *conn, int months, struct wq_error *e);

#endif
