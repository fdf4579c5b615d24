/* The protection layer (disclosure.md): takes a parsed query and who asks, and returns a
 * protected table, or refuses. It checks the grammar before any SQL, reads the exact
 * cells in one snapshot, fills the table's every cell (true zeros included), adds each
 * cell's sticky noise, suppresses, computes values and noise-aware intervals from the
 * noisy counts only, and charges the asker's budget. It knows no HTTP type: a later split
 * of an HTTP front from a data server moves this layer, with the keys and the database
 * connection, behind the split unchanged. Answers are cached by (normalised query, data
 * version) when the protector has a cache: the budget is charged all the same. */
#ifndef WQ_PROTECT_H
#define WQ_PROTECT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/error.h"
#include "common/token.h"
#include "server/keyring.h"
#include "server/query.h"

struct release_rules; /* server/product.h */

/* Cells of one answer at most (the product of its dimensions' items). */
#define PROTECT_MAX_CELLS 20000

struct answer_cache;
struct settlement;
struct seen;
struct product;
struct version_watch;
struct engine;

struct protector {
	const struct wq_config *cfg;
	struct keyring *keys; /* its noise function read by the first answer, if not before */
	const struct codelists *lists;
	struct answer_cache *cache;	 /* server/cache.h; NULL: every answer from the database */
	struct version_watch *version;	 /* common/version.h; NULL: read it per answer */
	struct seen *seen;		 /* server/seen.h; NULL: every answer charges the ledger */
	struct product *product;	 /* server/product.h; NULL: no published product */
	struct engine *engine;		 /* server/engine.h; NULL: every answer from SQL */
	struct populations *populations; /* server/populations.h; NULL: rates ask the database */
};

/* What a published cell is: a value (ok), a value too uncertain to lean on (unreliable),
 * withheld (suppressed: a small or a zero count), or a rate without a population. The
 * order is the order of precedence when cells combine (the worst wins). */
enum cell_status { CELL_OK, CELL_UNRELIABLE, CELL_NO_DENOMINATOR, CELL_SUPPRESSED };
/* Its name in answers: "ok", "unreliable", "no_denominator", "suppressed". */
const char *cell_status_name(enum cell_status s);

/* One published cell. NAN is null. */
struct pcell {
	const char *values[QUERY_MAX_DIMS]; /* the dimensions' codes; NULL: the null group */
	enum cell_status status;
	double value, lower, upper;
	double num, den; /* the published (noisy) numerator and denominator */
	/* The numerator's noisy count (truth plus noise, not floored at 0) even where the cell
	 * is suppressed: for an estimate fitted
	 * to the whole noisy table (multiple-systems estimation needs its small overlaps),
	 * which is post-processing of the noisy counts (docs/privacy.md, "Estimates from the
	 * noisy table"). Never rendered as a cell. */
	double noisy;
};

struct answer {
	struct pcell *cells; /* every combination of the items, the last dimension fastest */
	size_t n;	     /* values point into the query, the code lists or static text */
	long long data_version;
	long long period;	 /* a token's answer: its period (server/period.h); 0 none */
	int last_month;		 /* a token's answer: the month (1-12) of its data's last
				    report (a nowcast's last year); 0 unknown */
	long long kept_at;	 /* the data version its kept forms are kept at (cache.h): its own,
				    or for a published table the version whose populations it used;
				    0 none known: not kept */
	long long release;	 /* the published product's release it was summed from; 0 none */
	int official;		 /* or the official release's id (docs/releases.md); 0 none */
	const char *release_day; /* the official release's publication day (its cube's) */
	const struct release_rules *rules; /* its disclosure rules (its cube's); NULL the
					      configuration's */
	size_t suppressed;
	double excluded; /* a proportion's rows outside its denominator, noisy; NAN suppressed */
	double epsilon, remaining, budget;
	int sensitivity; /* L: the most one child-year adds to the table's cells together */
	double cost;	 /* L / b: what it costs when it releases a cell the token has not seen */
	int affordable;	 /* a dry run: whether the budget can pay for it now */
	uint8_t *held;	 /* the cells' identities, until charged */
	size_t nheld;
	struct settlement *settling; /* its charge, running (PROTECT_CHARGE_LATER) */
};

/* How protect_answer treats the budget: charge it (the answer is released), or only say
 * what the answer would cost and leave (no cells; nothing recorded); or answer from the
 * published product alone, whatever the grammar's limits on a token's tables (a base
 * table is published whole: SDMX and the UN-CTS return ask the public's tables so).
 * PROTECT_CHARGE_LATER charges as PROTECT_CHARGE, on a thread of its own, while the
 * caller renders the cells (the charge, a round trip with the cells' identities, took as
 * long as the rendering of a fresh 4-dimension table); nothing may be sent before
 * protect_settle says it is paid for. */
enum protect_mode { PROTECT_CHARGE, PROTECT_CHARGE_LATER, PROTECT_DRY_RUN, PROTECT_PUBLISHED };

/* Answers q for who. Returns 0; or -1 with e set and *status the HTTP status: 409 a
 * grammar rule (grammar.h) or a table too large (Q1013, before any SQL) or one costing
 * more than the whole budget (D1002), 429 the budget exhausted (D1001, *retry_after set),
 * 503 the database (S2002). A refusal of the budget leaves in a (no cells) what the query
 * would cost, what is left and the budget: a->cost, a->remaining, a->budget. */
int protect_answer(const struct protector *p, PGconn *conn, const struct query *q,
		   const struct principal *who, enum protect_mode mode, struct answer *a,
		   unsigned *status, int *retry_after, struct wq_error *e);

/* The outcome of an answer's charge begun by PROTECT_CHARGE_LATER (0 when none runs), as
 * protect_answer's: 0, or -1 with e and *status set and a emptied but for what the query
 * would cost and what is left. The connection is the charge's until it returns. */
int protect_settle(struct answer *a, unsigned *status, int *retry_after, struct wq_error *e);
/* The published product's answers so far (/metrics): summed from a release's table, or
 * kept from an earlier sum at the same data version. */
void protect_product_counts(unsigned long *kept, unsigned long *summed);
/* Frees an answer (waiting for its charge, if one runs: paid for, never sent). */
void answer_free(struct answer *a);

#endif
