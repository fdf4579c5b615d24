/* Withdrawing a batch loaded by mistake: its cases, and the persons only it named, removed
 * as if it had never been loaded; its batch row and rejects with them (the same file can
 * then be loaded again), and one row of the audit chain saying so. Exact or refused: a
 * batch whose effects reach beyond its own rows cannot be taken back without guessing,
 * and is refused with S3008 naming why (it replaced earlier submissions, merged persons,
 * linked to persons known before it, or later batches link to persons it introduced).
 * The analytics follow through the refresh queue (etl/load/refresher.h), which the
 * caller runs after the commit (the batch's case facts are deleted at once, under the
 * refresh lock: a case gone from the warehouse is not found by the refresh).
 *
 * What is checked is what the warehouse records: the persons its cases name now, the
 * merges of its persons. An identifier it added to a person known before, whose case it
 * named in a version since replaced by another batch, is not recorded as its own and
 * stays (docs/data-dictionary.md). */
#ifndef WQ_WITHDRAW_H
#define WQ_WITHDRAW_H

#include <libpq-fe.h>
#include <stdint.h>

#include "common/error.h"

struct withdrawal {
	long cases, persons; /* removed */
};

/* Withdraws batch id in one transaction on conn, with its audit row (audit_key; by: who,
 * "cli" or "token N"), waiting for a running load or refresh when wait, else refusing.
 * 0, or -1 with e set (S3008 refused, S3009 no such batch, S3010 a load or refresh runs,
 * S2xxx the database); nothing changed then. */
int withdraw_batch(PGconn *conn, const uint8_t *audit_key, long long id, const char *by, int wait,
		   struct withdrawal *w, struct wq_error *e);

#endif
