/* Storage-key rotation: every stored tier-2 value v becomes H(K_store_{n+1}, v), in one
 * transaction, with no identifier needed (pseudonymisation.md; docs/privacy.md has the
 * procedure). Linkage and counts are unchanged; a leaked old storage key no longer
 * matches anything stored. */
#ifndef WQ_REKEY_H
#define WQ_REKEY_H

#include <libpq-fe.h>

#include "common/error.h"
#include "etl/pseudonym/keys.h"

/* Rotates to the next storage version. Returns the new version, or -1 with e set
 * (K2001 no versions left, K2003 intake submissions still spooled, or a database
 * error; nothing changed then). */
int rekey_run(PGconn *conn, struct keys *keys, long *rows, struct wq_error *e);

#endif
