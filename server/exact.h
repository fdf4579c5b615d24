/* The exact cells of a query's layout, before any protection: the numbers the protection
 * layer (protect.h) perturbs. Two paths give the same numbers: the SQL path, the query
 * layer's statement (query.h) in the caller's open transaction, the reference and the
 * answer for deployments larger than memory; and the column engine's scan of one version
 * in memory (scan.h, engine.h). tests/tools/engine_parity.c holds them to each other. */
#ifndef WQ_EXACT_H
#define WQ_EXACT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "server/layout.h"
#include "server/populations.h"
#include "server/query.h"

struct columns;

/* One cell's exact counts: the numerator, a proportion's denominator or a rate's
 * population (has_den: there is one), the rows a proportion's denominator (a count's
 * numerator) leaves out, and the cell keys of the three. */
struct exact_cell {
	long num, den, excluded;
	int has_den;
	uint32_t ckn, ckd, ckx;
};

/* q's cells over dom into x[0..total) (zeroed by the caller), through SQL in conn's open
 * transaction. 0, or -1 with e set (S2002). */
int exact_sql(PGconn *conn, const struct query *q, const struct domain *dom, size_t total,
	      struct exact_cell *x, struct wq_error *e);
/* The same from columns c; a rate's population (a public census table, not a fact) through
 * conn, or from pops (NULL: none) at c's version: none (no denominator) when a census was
 * loaded since c's version. 0, or -1 with e set (S6002 no columns for q's fact, or too
 * many rows to count; S2002). */
#define EXACT_MOVED 1
int exact_columns(const struct columns *c, PGconn *conn, struct populations *pops,
		  const struct query *q, const struct domain *dom, size_t total,
		  struct exact_cell *x, struct wq_error *e);
/* The population of each of q's cells (a rate's denominator: public census figures), by its
 * person columns; pop[i] < 0 when none. From pops (NULL: none) when it holds them at data
 * version `version`, else through conn, and kept there when the statement saw that
 * version. 0; EXACT_MOVED (pop filled) when, with pops, the statement saw another
 * version; or -1 with e set. */
int exact_population(PGconn *conn, struct populations *pops, long long version,
		     const struct query *q, const struct domain *dom, size_t total, double *pop,
		     struct wq_error *e);

#endif
