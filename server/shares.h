/* Which rows of a fact each part of the column engine's load reads (columns.c): the
 * condition of part k's COPY, so that every row is read by exactly one part. */
#ifndef WQ_SHARES_H
#define WQ_SHARES_H

#include <libpq-fe.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "server/model.h"

#define SHARES_MAX_UNITS 512 /* partitions of one fact planned by year; more: by key */
#define SHARES_MAX_PARTS 16

/* Fills where[0..parts) (parts at most SHARES_MAX_PARTS) with each part's condition on the
 * fact's row v, read from the catalogue on conn. A fact partitioned by ranges of years
 * gets whole partitions per part, the largest first to the part with the fewest rows so
 * far (pg_class.reltuples), so that each part scans only its own partitions; the rows
 * outside every range (the default partition) count as one more such unit, read by the
 * ranges around the partitions, which prune to the default alone. A fact that is not,
 * whose ranges overlap, or whose years do not split evenly enough for that to cost less
 * (one year holding most rows), gets `record_key mod parts` instead, and every part scans
 * every row. A foreign partition's rows outside its own range (postgres_fdw does not
 * check them) are read by no part. 1 by years, 0 by keys, or -1 with e set (S2002 the
 * catalogue, S6001 too many parts). */
int shares_plan(PGconn *conn, const struct fact *f, int parts, struct strbuf *where,
		struct wq_error *e);

#endif
