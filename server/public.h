/* The published product's list and storage (docs/privacy.md "The published product"):
 * the base tables, one query per line in [disclosure] public_tables, checked at start;
 * the release calendar ([disclosure] release_days); and the stored releases in
 * auth.public_release (each base table's cells of one period, the first stored wins).
 * server/product.c measures the releases and answers from them. */
#ifndef WQ_PUBLIC_H
#define WQ_PUBLIC_H

#include <libpq-fe.h>
#include <stddef.h>
#include <time.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/error.h"
#include "server/indicator.h"
#include "server/query.h"
#include "server/standard.h"

struct public_tables {
	struct query *q;	    /* each listed query, parsed */
	const struct standard **st; /* its standard (standardise=age) or NULL */
	char **text;		    /* as listed: the name its releases are stored by */
	size_t n;
};

/* Loads and checks the list (each line a query string as the analytics route takes it:
 * columns, no filter, period or sensitive dimension; # comments). "" loads none. S1301
 * unreadable, S1302 a line that is no base table, naming the line. */
int public_load(struct public_tables *pt, const char *path, const struct wq_config *cfg,
		const struct indicators *inds, const struct codelists *lists,
		const struct standards *sts, struct wq_error *e);
void public_free(struct public_tables *pt);
/* The release period of now: one release per release_days, counted from 1970. */
long long public_release_period(const struct wq_config *cfg, time_t now);
/* The first day (UTC, YYYY-MM-DD) of release period RELEASE; "" when it is not a date
 * this machine can write. */
void public_release_day(const struct wq_config *cfg, long long release, char out[16]);

/* The stored release of table for release (< 0: the newest of any). Returns the body
 * (malloc'd) and *found_release, NULL when none; *failed set on a database error. */
char *public_release_get(PGconn *conn, const char *table, long long release,
			 long long *found_release, int *failed);
/* Stores a release of the data version version; the first stored for a period wins. */
int public_release_put(PGconn *conn, const char *table, long long release, long long version,
		       const char *body, struct wq_error *e);

#endif
