/* The privacy budget (disclosure.md, layer 4), kept in the database so that a restart
 * resets nothing: per token the cells it has seen (by cell identity) and the epsilon
 * charged over the last [disclosure] budget_days. A query costs its epsilon only when it
 * releases a cell the token has not seen; repeats are free. The public (token 0) has a
 * ledger like any token. The cells are recorded one row per charged query, not per cell
 * (sql/migrations/015_ledger_per_query.sql). */
#ifndef WQ_LEDGER_H
#define WQ_LEDGER_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "common/token.h"

#define LEDGER_CELL_BYTES 16
/* Rounds of merging another server's charges before a charge gives up (S2002). */
#define LEDGER_ROUNDS 8

struct seen;

/* A role's default budget per window (a token may have its own: auth.token.budget). */
double ledger_budget(const struct wq_config *cfg, enum role role);

struct charge {
	double epsilon;	  /* charged: 0 when every cell was seen before */
	double remaining; /* after this query */
	double budget;	  /* the token's: its own, or its role's default */
	size_t new_cells;
	int retry_after; /* refused: seconds until enough of the budget is renewed */
};

/* Charges epsilon for the cells (n identities of LEDGER_CELL_BYTES) when any is new to the
 * token, recording the new ones as one row of auth.released, in one statement serialised
 * per token; a dry run only says what would happen. seen: the server's copy of the
 * ledger (seen.h), brought up to date as a side effect; NULL: a copy for this call only.
 * Returns 0; 1 when the budget cannot pay (nothing recorded; c->retry_after set, 0 when
 * no renewal can ever pay: the query costs more than the whole budget); -1 with e set on
 * a database failure. */
int ledger_charge(PGconn *conn, struct seen *seen, const struct wq_config *cfg,
		  const struct principal *who, const uint8_t *cells, size_t n, double epsilon,
		  int dry, struct charge *c, struct wq_error *e);

/* Charges nothing on conn: a new connection's first charge compiles auth.charge and reads
 * the catalogue (about 3 ms), done before a request waits for it (http_options db_warm). */
void ledger_warm(PGconn *conn);

/* The budget left to who now, and its whole budget. Returns 0 or -1 with e set. */
int ledger_remaining(PGconn *conn, const struct wq_config *cfg, const struct principal *who,
		     double *remaining, double *budget, struct wq_error *e);

#endif
