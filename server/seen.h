/* The cells each token has already paid for, remembered in memory so that a repeated
 * query needs no ledger transaction. Safe because the ledger never forgets either: a cell
 * in auth.released stays there, so a cell remembered here is one the database would also
 * let through for free. Only the spent total the answer reports can be stale: it is the
 * one learnt at the token's last charge, used for at most SEEN_SPENT_SECONDS (a charge
 * through another server, or a renewal, shows after that). Bounded: SEEN_TOKENS tokens
 * (least recently used out) of up to SEEN_CELLS cells; past that, the ledger decides. */
#ifndef WQ_SEEN_H
#define WQ_SEEN_H

#include <stddef.h>
#include <stdint.h>

#define SEEN_TOKENS	   128
#define SEEN_CELLS	   65536
#define SEEN_SPENT_SECONDS 5

struct seen;

struct seen *seen_new(void);
void seen_free(struct seen *s);
/* 1 when every one of the n cells (16 bytes each) was paid for by token and its spent
 * total is fresh (then in *spent, with the budget the ledger held it to in *budget); 0
 * otherwise. */
int seen_covers(struct seen *s, int token, const uint8_t *cells, size_t n, double *spent,
		double *budget);
/* After a successful charge: the cells are paid for, and token has spent spent of budget. */
void seen_add(struct seen *s, int token, const uint8_t *cells, size_t n, double spent,
	      double budget);

#endif
