/* The intake's spool (docs/intake.md, "While a batch load runs"). A batch load holds the
 * linkage lock for its whole transaction, so that a file loads whole or not at all; the
 * intake does not wait for it. A group of submissions that cannot have the lock within
 * SPOOL_AFTER is committed without linkage: its batch rows (so a retry with its
 * Idempotency-Key is answered as usual), rejects and audit rows, and one row of
 * warehouse.intake_spool per submission holding its accepted records as they are after
 * validation and pseudonymisation: tokens, case keys, codes and numbers, never an
 * identifier. The committer links them, oldest first, as soon as it has the lock; until
 * then every later group is spooled too, and a load links what is spooled before it has
 * the lock ahead of its own cases (spool_link, etl/intake/committer.h, through the load's
 * options), so that submissions are linked in the order they were received. */
#ifndef WQ_SPOOL_H
#define WQ_SPOOL_H

#include <libpq-fe.h>
#include <stddef.h>

#include "common/codelist.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "etl/intake/committer.h"

/* How long a group waits for the linkage lock before it is spooled (a lock_timeout):
 * longer than a withdrawal or another group holds it, far shorter than a load. */
#define SPOOL_AFTER "'250ms'"

/* Spools the accepted records of the group's pending submissions (one row each; a
 * submission without accepted records has none). Their cases are freed. 0, or -1 with e
 * set. */
int spool_write(PGconn *conn, struct submission **group, size_t n, struct wq_error *e);

/* The oldest spooled submissions of spool ids up to UPTO, up to about MAX_CASES cases (at
 * least one): a list of
 * malloc'd submissions in order (batch_id, key_version, cases and n_cases set; free each
 * with spool_free), and IDS, their spool ids as an array literal. 0 when the spool is
 * empty, 1 when some were read, -1 with e set (S3011, naming its batch, when a row cannot
 * be read back: a layout or code it does not know, a key version outside 1..VERSION). */
int spool_read(PGconn *conn, const struct codelists *lists, long max_cases, long long upto,
	       int version, struct submission **list, struct strbuf *ids, struct wq_error *e);

/* The lock every intake group takes before it checks its idempotency keys and writes
 * (spooled or linked), held to its commit: so that across intakes spool ids follow commit
 * order and keys are checked one group at a time. An advisory lock, not a lock of the
 * spool's table: a load that linked the spool deletes its rows in its own long
 * transaction, and a table lock would have queued every group behind that delete until
 * the load's commit (each failing after its lock wait; a review found it). */
#define SPOOL_ORDER_LOCK_KEY "7270011"

/* Removes the spool rows IDS (they were linked in this transaction). */
int spool_remove(PGconn *conn, const char *ids, struct wq_error *e);

/* Frees a submission read by spool_read. */
void spool_free(struct submission *s);

/* The records' encoding, apart for the tests: ENCODE appends N cases to OUT; DECODE reads
 * them back into malloc'd cases whose codes point into LISTS, as validated ones do. -1 on
 * anything but an encoding of known codes. */
void spool_encode(struct strbuf *out, const struct case_rec *cases, size_t n);
int spool_decode(const struct codelists *lists, const unsigned char *p, size_t len,
		 struct case_rec **cases, size_t *n);

#endif
