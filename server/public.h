/* The public view (disclosure.md: without a token nobody queries): the dashboard's fixed
 * tables, listed one query per line in [disclosure] public_tables, are the only answers
 * given without a token. A request matches a listed table whatever the order of its
 * parameters or the spelling of its period. Each is released once per release period
 * ([disclosure] release_days), from the data of the first request of that period, charged
 * to the public budget (token 0), and stored in auth.public_release: every later request
 * of the period gets the stored answer, so neither repeating it nor a new data version
 * (cases planted by a submitter) releases anything more. When the public budget cannot
 * pay for a new period, the last release is served. */
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

/* Loads and checks the list (each line a query string as the analytics route takes it,
 * standardise=age included; # comments). "" loads none. S1301 unreadable, S1302 a line
 * that is no valid query for the policy role, naming the line. */
int public_load(struct public_tables *pt, const char *path, const struct wq_config *cfg,
		const struct indicators *inds, const struct codelists *lists,
		const struct standards *sts, struct wq_error *e);
/* The key two spellings of one table share: the indicator, the columns as a set, and the
 * constraints on the rows with the period clamped to the data's first..last
 * (query_cell_definition), and the standard. */
void public_key(const struct query *q, const struct standard *st, int first, int last,
		struct strbuf *out);
void public_free(struct public_tables *pt);
/* The listed table q (with st) is a spelling of, as listed; NULL when none. */
const char *public_listed(const struct public_tables *pt, const struct query *q,
			  const struct standard *st, int first, int last);
/* The release period of now: one release per release_days, counted from 1970. */
long long public_release_period(const struct wq_config *cfg, time_t now);

/* The stored release of table for release (< 0: the newest of any). Returns the body
 * (malloc'd) and *found_release, NULL when none; *failed set on a database error. */
char *public_release_get(PGconn *conn, const char *table, long long release,
			 long long *found_release, int *failed);
/* Stores a release of the data version version; the first stored for a period wins. */
int public_release_put(PGconn *conn, const char *table, long long release, long long version,
		       const char *body, struct wq_error *e);

#endif
