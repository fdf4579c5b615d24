/* Withdrawing a batch loaded by mistake: its cases, and the persons only it named, removed
 * as if it had never been loaded; its batch row and rejects with them (the same file can
 * then be loaded again), and one row of the audit chain saying so. Exact or refused: a
 * batch whose effects reach beyond its own rows cannot be taken back without guessing,
 * and is refused with S3008 naming why (it replaced earlier submissions, merged persons,
 * linked to persons known before it, or later batches link to persons it introduced).
 * The analytics follow through the refresh queue (etl/load/refresher.h), which the
 * caller runs after the commit. */
#ifndef WQ_WITHDRAW_H
#define WQ_WITHDRAW_H

#include <libpq-fe.h>
#include <stdint.h>

#include "common/error.h"

struct withdrawal {
	long cases, persons; /* removed */
};

/* Withdraws batch id in one transaction on conn, with its audit row (audit_key). 0, or -1
 * with e set (S3008 refused, S3009 no such batch, S2xxx the database); nothing changed
 * then. */
int withdraw_batch(PGconn *conn, const uint8_t *audit_key, long long id, struct withdrawal *w,
		   struct wq_error *e);

#endif
