/* The populations of rates remembered per data version: a rate's denominator is public
 * census figures (analytics.population, or an official release's own), not noised and not
 * charged, the same for every table that asks for the same person columns, filters and
 * years. Asking the census table for them was 21 of a repeated trend's 22 ms on the demo
 * country (every request of the published product's rates, which are answered from the
 * release and kept nowhere), and 20 ms more on a fresh rate table. So the rows of each
 * population query are kept, by its text and parameters, for one data version: the
 * population changes only with a new version (a rebuild or a refresh writes it), and the
 * first lookup at a newer version forgets every row kept. Rows are libpq's results, read
 * by many threads at once (libpq's are read-only), held by a count so that forgetting
 * frees none in use. Bounded in bytes and entries: past the bound, everything is
 * forgotten (rows an answer still reads, once it is done with them). */
#ifndef WQ_POPULATIONS_H
#define WQ_POPULATIONS_H

#include <libpq-fe.h>
#include <stddef.h>

struct populations;

#define POPULATIONS_BYTES ((size_t)16 << 20) /* the server's bound */

/* A memory of at most max_bytes of rows (an estimate: their values and a row's overhead). */
struct populations *populations_new(size_t max_bytes);
void populations_free(struct populations *m);

/* The rows kept for key at data version `version`, held until populations_release; NULL
 * when none (or version is older than the newest seen: an answer of a version being
 * replaced asks the database). */
const PGresult *populations_find(struct populations *m, long long version, const char *key);

/* Keeps rows (taken, and held for the caller) for key at version and returns them, or
 * the same rows another thread kept first (rows then freed); NULL when they are not kept
 * (an older version, or rows too large), and then they stay the caller's. The caller
 * makes sure rows are of version (exact.c reads it in the same statement). */
const PGresult *populations_keep(struct populations *m, long long version, const char *key,
				 PGresult *rows);

/* Ends the hold of rows returned by find or keep. */
void populations_release(struct populations *m, const PGresult *rows);

/* Lookups answered from memory and from the database, for /metrics. */
void populations_counts(struct populations *m, unsigned long *hits, unsigned long *misses);

#endif
