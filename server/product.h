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
};

/* The sums of a query's cells over the base table's cells. */
struct product_sums {
	long truth[3], noise[3];
	long largest[3]; /* the largest true count of a base cell summed, per measure */
	int cells;	 /* how many base cells: the noise's variance is this many cells' */
};

struct product;

struct product *product_new(const struct wq_config *cfg, const struct keyring *keys,
			    const struct codelists *lists, const struct public_tables *pt);
void product_free(struct product *pr);

/* The cube of the current release that q is a post-processing of, measuring and storing
 * the release of this period first if there is none (charged to the public budget; when
 * it cannot pay, the last release stands). NULL when no listed table covers q, or on a
 * database failure (*failed set). */
const struct product_cube *product_find(struct product *pr, PGconn *conn, const struct query *q,
					int *failed);

/* q's cells (its layout dom over the cube's span, ncells of them, the last dimension
 * fastest) as sums of the cube's cells. */
void product_sum(const struct product_cube *c, const struct query *q, const struct domain *dom,
		 size_t ncells, struct product_sums *sums);

#endif
