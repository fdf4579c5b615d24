/* The public view (disclosure.md: without a token nobody queries): the dashboard's fixed
 * tables, listed one query per line in [disclosure] public_tables, are the only answers
 * given without a token. Each is released once per data version, charged to the public
 * budget (token 0), and stored in auth.public_release: every later request of that
 * version gets the stored answer, so repeating it costs and reveals nothing more. When
 * the public budget cannot pay for a new version, the last release is served. */
#ifndef WQ_PUBLIC_H
#define WQ_PUBLIC_H

#include <libpq-fe.h>
#include <stddef.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/error.h"
#include "server/indicator.h"
#include "server/query.h"
#include "server/standard.h"

struct public_tables {
	char **canonical; /* public_key of each listed query */
	char **text;	  /* as listed */
	size_t n;
};

/* Loads and checks the list (each line a query string as the analytics route takes it,
 * standardise=age included; # comments). "" loads none. S1301 unreadable, S1302 a line
 * that is no valid query for the policy role, naming the line. */
int public_load(struct public_tables *pt, const char *path, const struct wq_config *cfg,
		const struct indicators *inds, const struct codelists *lists,
		const struct standards *sts, struct wq_error *e);
/* The text a table is listed, released and audited by: the query's canonical text, and the standard
 * of a standardised table (whose answer is another table than the unstandardised one). */
void public_key(const struct query *q, const struct standard *st, struct strbuf *out);
void public_free(struct public_tables *pt);
int public_listed(const struct public_tables *pt, const char *canonical);

/* The stored release of canonical for version (latest: 0 = the newest of any version).
 * Returns the body (malloc'd) and *version, NULL when none; -1 in *failed on a database
 * error. */
char *public_release_get(PGconn *conn, const char *canonical, long long version,
			 long long *found_version, int *failed);
/* Stores a release; the first stored for a version wins. 0 or -1. */
int public_release_put(PGconn *conn, const char *canonical, long long version, const char *body,
		       struct wq_error *e);

#endif
