/* Official releases (docs/releases.md): the published product measured over the years
 * every agency approved, frozen under an id, published once, never changed.
 *
 * create: the data's years and the agencies' approvals decide the years held (whole
 * years, from the first: every agency approved, or a published release held it; a
 * released year not approved again by every agency is carried, its cells the previous
 * release's); every listed base table is measured to the last held year
 * (server/product.h: the same cells and noise as any measurement of the same rows) and
 * charged once to the public ledger, under the rules and with the populations it keeps;
 * the release is a draft, an admin's only, complete once every table is stored.
 * publish: a complete draft becomes the newest published release, with its revision note
 * against the previous one (every published base cell that moved by more than its noise,
 * and the kinds of change to its year's cases: late reports, resubmissions,
 * reclassification, withdrawals). drop: a draft goes (its charge stays: it was measured).
 * Every step is audited. */
#ifndef WQ_RELEASE_H
#define WQ_RELEASE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/error.h"
#include "server/product.h"
#include "server/public.h"

struct release_maker {
	const struct wq_config *cfg;
	const struct codelists *lists;
	const struct public_tables *pt;
	struct product *product;
	struct keyring *keys; /* its noise function set by the release's check */
	const uint8_t *audit_key;
};

/* Creates a draft release of the data of now by BY, with a note; *id its id. R1004 no
 * data or no year held, R1005 the public budget cannot pay for a table, R1007 the data
 * changed meanwhile (the draft is dropped), S5007 noise scales other than the key's,
 * S2xxx the database. */
int release_create(const struct release_maker *m, PGconn *conn, const char *by, const char *note,
		   int *id, struct wq_error *e);
/* Publishes draft id (its revision note made now). R1001 no such release, R1008 not
 * complete, R1006 already published. */
int release_publish(const struct release_maker *m, PGconn *conn, int id, const char *by,
		    struct wq_error *e);
/* Drops draft id. R1001 no such release, R1006 a published one. */
int release_drop(const struct release_maker *m, PGconn *conn, int id, const char *by,
		 struct wq_error *e);

/* A release as GET /api/v1/releases/{id} gives it: id, status, dates, data version,
 * years, note, what it holds and misses per agency, its tables and its revision note.
 * Drafts only when drafts. NULL with e set: R1001 none such, S2xxx the database. */
json_t *release_get(PGconn *conn, int id, int drafts, struct wq_error *e);
/* The releases, newest first, without their holdings and revision notes. */
json_t *release_list(PGconn *conn, int drafts, struct wq_error *e);

#endif
