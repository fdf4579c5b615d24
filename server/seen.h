/* The cells each token has paid for, in memory: a copy of its ledger rows (auth.released,
 * one row per charged query holding the cells it released first), complete up to a row
 * id. A repeated query whose every cell is held needs no database at all: the ledger never
 * forgets, so a cell held here is one the database would also let through for free. A
 * query with cells not held sends only those to the charge (ledger.h), which records them
 * as one row, or returns the rows this copy lacks (another server's charges) to merge
 * first: the count of new cells is exact. Only the spent total reported with a free answer
 * can be stale: the one learnt at the token's last charge, used for at most
 * SEEN_SPENT_SECONDS. Bounded by bytes: the least recently used tokens leave whole, and
 * come back from their rows when next asked (a few rows, not one per cell). */
#ifndef WQ_SEEN_H
#define WQ_SEEN_H

#include <stddef.h>
#include <stdint.h>

#define SEEN_BYTES	   ((size_t)256 << 20) /* the server's bound */
#define SEEN_SPENT_SECONDS 5

struct seen;

/* A memory of at most max_bytes (but always the token being answered). */
struct seen *seen_new(size_t max_bytes);
void seen_free(struct seen *s);
/* 1 when every one of the n cells (16 bytes each) was paid for by token and its spent
 * total is fresh (then in *spent, with the budget the ledger held it to in *budget); 0
 * otherwise. */
int seen_covers(struct seen *s, int token, const uint8_t *cells, size_t n, double *spent,
		double *budget);
/* The cells of the n that token's copy does not hold, each once, into fresh (room for n);
 * their number. *synced: the ledger row the copy is complete up to (0: nothing of the
 * token held yet). */
size_t seen_fresh(struct seen *s, int token, const uint8_t *cells, size_t n, uint8_t *fresh,
		  long long *synced);
/* Adds the n cells of token's ledger rows after `after` up to row `last`; ignored when the
 * copy is no longer complete up to `after` (it left memory meanwhile). */
void seen_merge(struct seen *s, int token, long long after, long long last, const uint8_t *cells,
		size_t n);
/* After a charge or a free answer from the ledger: token has spent spent of budget. */
void seen_spent(struct seen *s, int token, double spent, double budget);
/* The bytes the copies take, and the tokens held. */
void seen_size(struct seen *s, size_t *bytes, size_t *tokens);

#endif
