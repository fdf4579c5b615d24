/* The published product (docs/privacy.md "The published product"): the tables listed in
 * [disclosure] public_tables are base tables (cubes), each measured once per release
 * period: every cell of its layout (true zeros too) gets its noise once, and is stored
 * with its true counts in auth.public_release. Any query whose cells are sums of one base
 * table's cells (a filter on its columns, a year range, a column summed out) is answered
 * from them by post-processing: free for everyone, token or not, with no new noise, so
 * no sequence of such queries learns more than the release itself. A national total is
 * the sum of its regions, exactly. The release is charged once to the public budget. */
#ifndef WQ_PRODUCT_H
#define WQ_PRODUCT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/error.h"
#include "server/keyring.h"
#include "server/layout.h"
#include "server/public.h"
#include "server/query.h"

/* The most cells of one base table (its full layout). */
#define PRODUCT_MAX_CELLS 400000

/* The disclosure rules an official release was published under: its answers keep them
 * whatever the configuration says later. */
struct release_rules {
	int floor, threshold;
	double noise_scale, fixed_scale;
	/* The noise key's id (hex) and function that drew its cells; "" and 0 for a release
	 * made before they were recorded (migration 026). */
	char key_id[33];
	int function;
	int mixed;	  /* it carries cells drawn under another key or function */
	int floor_spread; /* its cells' raises' (product_cube), as measured */
};

/* One base table of one release: every cell of its layout. */
struct product_cube {
	const struct query *base;
	const char *name; /* as listed */
	long long release, version;
	int first, last;
	size_t n;
	const char **values; /* n x base->ndims codes (layout items: they live as long as the
				program) */
	long *truth;	     /* n x 3: the measures n, d, x */
	long *noise;	     /* n x 3: their noise, not floored */
	/* n x 3: each measure's secret raise of the floor (noise_raise), 0 in a release
	 * measured before raises were (its cells keep the plain floor) */
	unsigned char *raise;
	int spread;   /* the floor_spread it was measured with */
	int official; /* an official release's id (docs/releases.md); 0 the calendar's */
	char day[16]; /* an official release's publication day, YYYY-MM-DD */
	struct release_rules rules; /* its answers': an official release's, as published; a
				       calendar's, the configuration's with its own spread */
};

/* The sums of a query's cells over the base table's cells. */
struct product_sums {
	long truth[3], noise[3];
	/* per measure, the largest count of a base cell summed as the floor holds it: its
	 * true count less its raise */
	long held[3];
	int cells; /* how many base cells: the noise's variance is this many cells' */
};

struct product;

struct product *product_new(const struct wq_config *cfg, const struct keyring *keys,
			    const struct codelists *lists, const struct public_tables *pt);
void product_free(struct product *pr);

/* The published product as a command outside the server opens it (wiqaya-server release
 * and export): cfg's code lists, indicators, standards and listed tables, and the product
 * over them. Free with product_files_free, loaded or not. */
struct product_files {
	struct codelists lists;
	struct indicators indicators;
	struct standards standards;
	struct public_tables pt;
	struct product *product;
};
int product_files_load(struct product_files *f, const struct wq_config *cfg,
		       const struct keyring *keys, struct wq_error *e);
void product_files_free(struct product_files *f);

/* Why product_find found nothing, beyond "no listed table covers q" (0). */
enum { PRODUCT_DB = 1, PRODUCT_NO_RELEASE, PRODUCT_CALENDAR };

/* The cube q is a post-processing of. With [disclosure] releases = calendar: of the
 * current period's release, measuring and storing it first if there is none (charged to
 * the public budget; when it cannot pay, the last release stands). With official: of the
 * official release q asks (q->release), or the newest published (docs/releases.md).
 * NULL when no listed table covers q, or with *failed: PRODUCT_DB a database failure,
 * PRODUCT_NO_RELEASE no published release q->release, PRODUCT_CALENDAR a release asked
 * of a server that publishes by calendar. */
const struct product_cube *product_find(struct product *pr, PGconn *conn, const struct query *q,
					int *failed);

/* For wiqaya-server release (server/release.h): listed table t measured now over the
 * years up to last (0: every year), with its cells' identities for the public ledger
 * (*ids malloc'd, *nids of 16 bytes) and the data's item cap; NULL with *empty when there
 * are no data (or the table is too large), else on a database failure. */
struct product_cube *product_measure(const struct product *pr, PGconn *conn, size_t t, int last,
				     int *item_cap, uint8_t **ids, size_t *nids, int *empty);
/* A cube as stored (auth.release_table's body). */
char *product_cube_text(const struct product_cube *c);
void product_cube_free(struct product_cube *c);
/* Official release id's tables, per listed table (NULL: none, or one that no longer fits
 * the code lists), with the release's day and rules; NULL with *failed on a database
 * error. Free with product_tables_free. */
struct product_cube **product_release_tables(const struct product *pr, PGconn *conn, int id,
					     int *failed);
void product_tables_free(const struct product *pr, struct product_cube **cubes);

/* q's cells (its layout dom over the cube's span, ncells of them, the last dimension
 * fastest) as sums of the cube's cells. */
void product_sum(const struct product_cube *c, const struct query *q, const struct domain *dom,
		 size_t ncells, struct product_sums *sums);

#endif
