/* One data version of the analytics facts held in memory as columns, for the column engine
 * (engine.h, docs/architecture.md "The column engine"). Every dimension of a fact is a
 * column of dictionary codes, one per row: a single-valued dimension's code is its value's
 * position in the column's dictionary + 1 (0: null); a multi-valued dimension's (offences,
 * technology, support) is a bitset with bit k-1 for its item k. Each column is as wide as
 * its dictionary needs (1, 2, 4 or 8 bytes a row). A fact's predicates (model.h) are
 * evaluated by PostgreSQL while loading, in its three-valued logic, and kept as two bits
 * each: the predicate is true, it is false (both clear: null); the record key is kept mod
 * 2^32 (cell keys are sums mod 2^32). Nothing else is kept: no row key, no pseudonym. */
#ifndef WQ_COLUMNS_H
#define WQ_COLUMNS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "server/model.h"

#define COLUMNS_MAX_DIMS  40
#define COLUMNS_MAX_PREDS 31 /* two bits each of a 64-bit flags word, whose mask stays defined */
#define COLUMNS_MAX_FACTS 8

struct column {
	const struct dimension *dim; /* NULL: the predicates' bits */
	char **dict;		     /* code k is dict[k - 1], as SQL spells it ("t", "2015") */
	size_t ndict;
	unsigned width; /* bytes a row: 1, 2, 4 or 8 */
	void *data;
};

/* The code (or the bitset) of row r. */
static inline uint64_t column_at(const struct column *c, size_t r)
{
	switch (c->width) {
	case 1:
		return ((const uint8_t *)c->data)[r];
	case 2:
		return ((const uint16_t *)c->data)[r];
	case 4:
		return ((const uint32_t *)c->data)[r];
	default:
		return ((const uint64_t *)c->data)[r];
	}
}

struct fact_columns {
	const struct fact *fact;
	size_t rows;
	struct column dims[COLUMNS_MAX_DIMS]; /* in the order of fact->dims */
	int ndims;
	const struct predicate *preds[COLUMNS_MAX_PREDS]; /* bit 2i: true; 2i+1: false */
	int npreds;
	struct column flags;
	uint32_t *keys; /* record keys mod 2^32 */
};

/* What an answer reads of its data version besides the facts, in this order: the version,
 * the data's first and last years (0: none), the item cap, the month (1-12) of the last
 * report (0: unknown). From analytics.data_version, by the engine's load and the SQL
 * path's snapshot alike. */
#define COLUMNS_VERSION_SQL                                                                        \
	"version, coalesce(first_year, 0), coalesce(last_year, 0), item_cap, "                     \
	"coalesce(extract(month FROM last_month)::int, 0)"

struct columns {
	long long version; /* analytics.data_version, read in the load's snapshot */
	int first, last, item_cap;
	int last_month; /* the month (1-12) of the data's last report; 0 unknown */
	struct fact_columns facts[COLUMNS_MAX_FACTS];
	int nfacts;
	int facts_by_years; /* facts whose parts read years of their own (shares.h) */
	size_t bytes;	    /* the columns' and dictionaries' memory */
	double seconds;	    /* the load's */
	int readers;	    /* answers reading it now (engine.c's count, under its lock) */
};

/* Loads every fact in one snapshot, over `parts` connections as the reader role (each
 * reads its share of the rows, shares.h: its own years, or its record keys; the first
 * exports the snapshot the others import). Returns the version (malloc'd; columns_free), or NULL
 * with e set: S2001/S2002 the database, S6001 a value the columns cannot hold (a dictionary larger
 * than a column allows, an item twice in one row's array). */
struct columns *columns_load(const struct wq_config *cfg, int parts, struct wq_error *e);
/* A reader's consistent view when years live on other servers (the SQL path's snapshots
 * and the load above): before its snapshot, columns_hold_refresh takes the refresh lock,
 * shared, when some fact has a foreign partition (sql/functions/analytics.hold_refresh.sql)
 * and sets *held; after its end, columns_release_refresh lets it go if held. -1 with e
 * set when the database fails. */
int columns_hold_refresh(PGconn *conn, int *held, struct wq_error *e);
void columns_release_refresh(PGconn *conn, int *held);
void columns_free(struct columns *c);

/* The facts' columns of f, or NULL. */
const struct fact_columns *columns_fact(const struct columns *c, const struct fact *f);
/* The column of dimension d in fc, or NULL. */
const struct column *columns_dim(const struct fact_columns *fc, const struct dimension *d);
/* The bit of predicate p being true in fc's flags (false: the next bit), or -1. */
int columns_pred_bit(const struct fact_columns *fc, const struct predicate *p);

#endif
