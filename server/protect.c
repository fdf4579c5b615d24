/* The protection layer (see protect.h and docs/privacy.md). Steps: admit (the grammar),
 * fetch (the exact cells and the data's span, one snapshot), lay out (every cell of the
 * table's dimensions, so that a true zero is a suppressed cell, never an absent row),
 * perturb (sticky noise per cell and measure), charge (the ledger), publish (values and
 * intervals from the noisy counts only). */
#include "server/protect.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cores.h"
#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "server/cache.h"
#include "server/exact.h"
#include "server/engine.h"
#include "server/grammar.h"
#include "server/layout.h"
#include "server/noise.h"
#include "server/period.h"
#include "server/product.h"
#include "server/sensitivity.h"
#include "server/ledger.h"
#include "server/seen.h"
#include "common/version.h"
#include "stats/disclosure.h"

#define MAX_PARAMS (QUERY_MAX_DIMS * 6 + 8)

const char *cell_status_name(enum cell_status s)
{
	static const char *const names[] = {[CELL_OK] = "ok",
					    [CELL_UNRELIABLE] = "unreliable",
					    [CELL_NO_DENOMINATOR] = "no_denominator",
					    [CELL_SUPPRESSED] = "suppressed"};
	return names[s];
}

/* ---- the exact cells ---- */

/* What an answer reads: the data version of its period (period.h), from the column engine
 * or in a snapshot of the database, and the data's span. */
struct snapshot {
	const struct columns *cols; /* the engine's; NULL: the SQL path's open transaction */
	long long version, period;  /* the period: every cell's epoch */
	int first, last, item_cap, last_month;
	int held; /* the refresh lock, shared, for years on other servers (columns.h) */
};

/* The SQL path's transaction, and the version and span it reads into s; -1 on failure
 * (nothing open). */
static int snapshot_begin(PGconn *conn, struct snapshot *s, struct wq_error *e)
{
	if (columns_hold_refresh(conn, &s->held, e) < 0)
		return -1;
	PGresult *ver = NULL;
	if (db_run(conn, e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) < 0 ||
	    !(ver = db_exec(conn, e,
			    "SELECT " COLUMNS_VERSION_SQL " FROM analytics.data_version", 0,
			    NULL))) {
		PQclear(PQexec(conn, "ROLLBACK"));
		columns_release_refresh(conn, &s->held);
		return -1;
	}
	s->version = atoll(PQgetvalue(ver, 0, 0));
	s->first = atoi(PQgetvalue(ver, 0, 1));
	s->last = atoi(PQgetvalue(ver, 0, 2));
	s->item_cap = atoi(PQgetvalue(ver, 0, 3));
	s->last_month = atoi(PQgetvalue(ver, 0, 4));
	PQclear(ver);
	return 0;
}

static void snapshot_of_columns(struct snapshot *s, const struct columns *c, long long period)
{
	s->cols = c;
	s->period = period;
	s->version = c->version;
	s->first = c->first;
	s->last = c->last;
	s->item_cap = c->item_cap;
	s->last_month = c->last_month;
}

/* Opens the answer's snapshot: the engine's columns in the engine's period when it answers
 * in one (it moves to a newer period by itself, engine.c: a server's answers never go back
 * and forth between two periods); else the database's in the latest period, when the
 * database is at its version; else in a period this server starts: the calendar's when the
 * latest ended, or at the database's version when the latest is at another (period.h). */
static int snapshot_open(const struct protector *p, PGconn *conn, struct snapshot *s,
			 struct wq_error *e)
{
	long long engine_period;
	struct data_period per;
	const struct columns *cols = engine_acquire(p->engine, &engine_period);
	memset(s, 0, sizeof *s);
	if (cols) {
		snapshot_of_columns(s, cols, engine_period);
		return 0;
	}
	if (version_watch_period(p->version, &per) < 0 && period_latest(conn, &per, e) < 0)
		return -1;
	for (int tries = 0;; tries++) {
		if (!period_is_current(&per, p->cfg)) {
			if (period_start(conn, p->version, p->cfg, per.id, 0, "calendar", &per, e) <
			    0)
				return -1;
			if (!period_is_current(&per, p->cfg)) {
				err_set(e, "S2002", "no period of this calendar could be started");
				return -1;
			}
		}
		if (snapshot_begin(conn, s, e) < 0)
			return -1;
		if (s->version == per.version) {
			s->period = per.id;
			return 0;
		}
		PQclear(PQexec(conn, "ROLLBACK"));
		columns_release_refresh(conn, &s->held);
		if (tries == 2) {
			err_set(e, "S2002", "the data moved on while a period started");
			return -1;
		}
		if (period_start(conn, p->version, p->cfg, per.id, 0, "version", &per, e) < 0)
			return -1;
	}
}

static void snapshot_close(const struct protector *p, PGconn *conn, struct snapshot *s,
			   const char *end)
{
	if (s->cols) {
		engine_release(p->engine, s->cols);
	} else {
		PQclear(PQexec(conn, end));
		columns_release_refresh(conn, &s->held);
	}
	s->cols = NULL;
}

/* ---- noise ---- */

struct perturbed {
	long truth, noisy; /* noisy: at 0 at least, as published */
	long raw;	   /* truth + noise, not floored: what an estimate sums (pcell.noisy) */
	int published;
};

static struct perturbed perturb(const struct protector *p, const struct noise_measure *nm,
				struct noise_memo *mm, const char *definition, long truth,
				uint32_t ck, uint64_t epoch, uint8_t *identity)
{
	struct suppression sup = {p->cfg->floor, p->cfg->threshold};
	struct perturbed v = {truth, 0, 0, 0};
	long noise = noise_cell(nm, mm, definition, ck, epoch, identity);
	v.noisy = dl_noisy(truth, noise);
	v.raw = truth + noise;
	/* The floor is asked of the count less the cell's secret raise: published at floor +
	 * raise children (only a count within the spread above the floor needs it). */
	long held = truth;
	if (truth >= sup.floor && truth < (long)sup.floor + nm->spread)
		held -= noise_raise(nm, definition);
	v.published = dl_published(&sup, held, v.noisy);
	return v;
}

/* ---- publishing one cell ---- */

/* One cell's published values from its perturbed counts, whose noise has variance var. */
static void publish(const struct indicator *ind, double var, struct perturbed n, struct perturbed d,
		    int has_den, double pop, struct pcell *c)
{
	c->value = c->lower = c->upper = c->num = c->den = NAN;
	c->noisy = (double)n.raw;
	c->status = CELL_SUPPRESSED;
	if (ind->type == IND_PROPORTION) {
		if (!n.published || !d.published)
			return;
		double x = (double)(n.noisy < d.noisy ? n.noisy : d.noisy), m = (double)d.noisy;
		struct interval ci;
		if (dl_proportion_interval(x, m, var, 0.95, &ci) < 0)
			return;
		c->value = ci.estimate;
		c->lower = ci.lower;
		c->upper = ci.upper;
		c->num = x;
		c->den = m;
		c->status = dl_proportion_unreliable(m, &ci) ? CELL_UNRELIABLE : CELL_OK;
		return;
	}
	if (!n.published)
		return;
	double x = (double)n.noisy, lo, hi;
	c->num = x;
	c->status = dl_count_unreliable(x) ? CELL_UNRELIABLE : CELL_OK;
	if (dl_count_interval(x, var, 0.95, &lo, &hi) < 0)
		return;
	if (ind->type == IND_COUNT) {
		c->value = x;
		c->lower = lo;
		c->upper = hi;
		return;
	}
	/* A rate: the population is public (a census table), not noised. */
	if (!has_den || !(pop > 0)) {
		c->status = CELL_NO_DENOMINATOR;
		return;
	}
	c->den = pop;
	c->value = x / pop * ind->per;
	c->lower = lo / pop * ind->per;
	c->upper = hi / pop * ind->per;
}

/* ---- the answer ---- */

/* The cells [from, to) of a table: their published values and identities. */
#define CELLS_THREADS	 8
#define CELLS_PER_THREAD 512

struct cells_job {
	const struct protector *p;
	const struct query *q;
	const struct domain *dom;
	const struct exact_cell *x;
	const struct layout_definer *df;
	const struct noise_measure *nm;
	uint64_t epoch; /* the period's (period.h) */
	struct answer *a;
	uint8_t *ids;
	int measures;
	size_t from, to;
	size_t suppressed;
	long excluded;
	uint32_t ckx;
};

static void *perturb_cells(void *arg)
{
	struct cells_job *j = arg;
	const struct query *q = j->q;
	struct strbuf def;
	int idx[QUERY_MAX_DIMS];
	sb_init(&def);
	/* The first cell's position in the layout, then a mixed-radix counter. A table of no
	 * cell (a dimension with no item: a year outside the data, a filter excluding a
	 * column's items) has an empty share, and a domain of size 0. */
	size_t rest = j->from;
	double var = noise_variance(j->p->cfg);
	/* the thread's memo of its last cell, a measure each */
	struct noise_memo *memo = xmalloc((size_t)j->measures * sizeof *memo);
	for (int m = 0; m < j->measures; m++)
		noise_memo_init(&memo[m], &j->nm[m]);
	for (int i = q->ndims - 1; i >= 0 && j->from < j->to; i--) {
		idx[i] = (int)(rest % (size_t)j->dom[i].n);
		rest /= (size_t)j->dom[i].n;
	}
	for (size_t c = j->from; c < j->to; c++) {
		struct pcell *pc = &j->a->cells[c];
		const struct exact_cell *ex = &j->x[c];
		uint8_t *id = j->ids + 16 * c * (size_t)j->measures;
		for (int i = 0; i < q->ndims; i++)
			pc->values[i] = j->dom[i].items[idx[i]];
		layout_definer_cell(j->df, idx, &def);
		uint64_t epoch = j->epoch;
		struct perturbed n =
		    perturb(j->p, &j->nm[0], &memo[0], def.data, ex->num, ex->ckn, epoch, id);
		struct perturbed d = {0, 0, 0, 1};
		if (j->measures == 2)
			d = perturb(j->p, &j->nm[1], &memo[1], def.data, ex->den, ex->ckd, epoch,
				    id + 16);
		/* A cell with no child (no row) is a true zero: suppressed. */
		publish(q->ind, var, n, d, ex->has_den, (double)ex->den, pc);
		j->suppressed += pc->status == CELL_SUPPRESSED;
		j->excluded += ex->excluded;
		j->ckx += ex->ckx;
		for (int i = q->ndims - 1; i >= 0; i--) {
			if (++idx[i] < j->dom[i].n)
				break;
			idx[i] = 0;
		}
	}
	/* Its states give the keys back (SipHash is invertible given the message). */
	sodium_memzero(memo, (size_t)j->measures * sizeof *memo);
	free(memo);
	sb_free(&def);
	return NULL;
}

/* The protected table of q in the server's period (snapshot_open): every cell's published
 * values and the identities of what it releases (ids, malloc'd, *nids of 16 bytes). */
static int compute(const struct protector *p, PGconn *conn, const struct query *q,
		   struct answer *a, uint8_t **ids_out, size_t *nids_out, unsigned *status,
		   struct wq_error *e)
{
	struct snapshot s;
	struct domain dom[QUERY_MAX_DIMS];
	if (snapshot_open(p, conn, &s, e) < 0) {
		*status = 503;
		return -1;
	}
	/* What the code lists and the data's span decide is decided before the cells' SQL:
	 * a refusal costs a row of data_version, not a scan (an exhausted token could
	 * otherwise flood the database with tables too large to answer). */
	int refused = 0;
	if (s.first > 0 &&
	    ((q->from_year && q->from_year > s.last) || (q->to_year && q->to_year < s.first))) {
		err_set(e, "Q1015", "the period is outside the data, which span %d-%d", s.first,
			s.last);
		err_field(e, q->from_year && q->from_year > s.last ? "from" : "to");
		refused = 1;
	}
	layout_domains(q, p->lists, s.first, s.last, dom);
	size_t total = layout_cells(q, dom, PROTECT_MAX_CELLS);
	if (!refused && total > PROTECT_MAX_CELLS) {
		err_set(e, "Q1013", "the table would have more than %d cells", PROTECT_MAX_CELLS);
		err_hint(e, "List the items wanted (dimension=NAME:a;b) or use a filter.");
		refused = 1;
	}
	if (refused) {
		snapshot_close(p, conn, &s, "ROLLBACK");
		*status = 409;
		return -1;
	}
	struct exact_cell *x = xcalloc(total ? total : 1, sizeof *x);
	int rc = s.cols ? exact_columns(s.cols, conn, p->populations, q, dom, total, x, e)
			: exact_sql(conn, q, dom, total, x, e);
	snapshot_close(p, conn, &s, rc == 0 ? "COMMIT" : "ROLLBACK");
	if (rc < 0) {
		free(x);
		*status = 503;
		return -1;
	}

	int proportion = q->ind->type == IND_PROPORTION;
	int measures = proportion ? 2 : 1;
	uint8_t *ids = xmalloc((total * (size_t)measures + 1) * 16);
	size_t nids = total * (size_t)measures;
	a->cells = xcalloc(total ? total : 1, sizeof *a->cells);
	a->n = total;
	a->data_version = a->kept_at = s.version;
	a->period = s.period;
	a->last_month = s.last_month;
	struct strbuf def;
	struct layout_definer df;
	struct noise_measure nm[3]; /* the numerator's, the denominator's, the excluded's */
	sb_init(&def);
	layout_definer_init(&df, q, dom, s.first, s.last);
	for (int m = 0; m < 3; m++)
		noise_measure_init(&nm[m], p->cfg, p->keys, q->ind, "ndx"[m]);
	/* The cells a share per core: each cell's noise is three keyed hashes, most of a
	 * fresh table's time. */
	struct cells_job jobs[CELLS_THREADS] = {{0}};
	pthread_t threads[CELLS_THREADS];
	int nthreads = total >= 2 * CELLS_PER_THREAD ? cores(CELLS_THREADS) : 1,
	    started[CELLS_THREADS] = {0};
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (struct cells_job){p,
					     q,
					     dom,
					     x,
					     &df,
					     nm,
					     (uint64_t)s.period,
					     a,
					     ids,
					     measures,
					     total * (size_t)t / (size_t)nthreads,
					     total * (size_t)(t + 1) / (size_t)nthreads,
					     0,
					     0,
					     0};
		if (t > 0)
			started[t] =
			    pthread_create(&threads[t], NULL, perturb_cells, &jobs[t]) == 0;
	}
	perturb_cells(&jobs[0]);
	long excluded = 0;
	uint32_t ckx = 0;
	for (int t = 0; t < nthreads; t++) {
		if (t > 0 && started[t])
			pthread_join(threads[t], NULL);
		else if (t > 0)
			perturb_cells(&jobs[t]);
		a->suppressed += jobs[t].suppressed;
		excluded += jobs[t].excluded;
		ckx += jobs[t].ckx;
	}
	a->excluded = NAN;
	if (proportion) {
		/* The rows outside the denominator, a count of children like any other. */
		query_cell_definition(q, NULL, s.first, s.last, &def);
		struct perturbed xo = perturb(p, &nm[2], NULL, def.data, excluded, ckx,
					      (uint64_t)s.period, ids + 16 * nids++);
		if (xo.published)
			a->excluded = (double)xo.noisy;
	}
	sb_free(&def);
	layout_definer_free(&df);
	free(x);
	a->sensitivity = sensitivity_of(q, p->lists, s.item_cap);
	*ids_out = ids;
	*nids_out = nids;
	return 0;
}

/* ---- the answer from the published product ---- */

/* A sum of base cells: published when its noisy count reaches the threshold and at least
 * one of the cells summed reaches the floor (raised by its secret raise, as any cell's).
 * The floor is not asked of the sum itself: sums are free and any set of cells can be
 * summed, so a floor on the exact sum would answer "is this set under 5?" for every set
 * an attacker can difference into view, and pin small counts down exactly (B under 5, B
 * and T over it: T holds a child). Of the cells, it says of a set only that all its cells
 * are under their floors: the floor's bit of the cells themselves, the same for every
 * query of the release. A published sum is at least the cell that reached its floor, so
 * it never holds fewer than floor children. */
static struct perturbed summed(const struct suppression *sup, long truth, long held, long noise)
{
	struct perturbed v = {truth, dl_noisy(truth, noise), truth + noise, 0};
	v.published = dl_published(sup, held, v.noisy);
	return v;
}

/* q's table as sums of the release's cells: no new noise, no charge. */
static int from_product(const struct protector *p, PGconn *conn, const struct query *q,
			const struct product_cube *c, size_t max_cells, long long version,
			struct answer *a, unsigned *status, struct wq_error *e)
{
	struct domain dom[QUERY_MAX_DIMS];
	if (c->first > 0 &&
	    ((q->from_year && q->from_year > c->last) || (q->to_year && q->to_year < c->first))) {
		err_set(e, "Q1015", "the period is outside the data, which span %d-%d", c->first,
			c->last);
		err_field(e, q->from_year && q->from_year > c->last ? "from" : "to");
		*status = 409;
		return -1;
	}
	layout_domains(q, p->lists, c->first, c->last, dom);
	size_t total = layout_cells(q, dom, max_cells);
	if (total > max_cells) {
		err_set(e, "Q1013", "the table would have more than %zu cells", max_cells);
		err_hint(e, "List the items wanted (dimension=NAME:a;b) or use a filter.");
		*status = 409;
		return -1;
	}
	struct product_sums *sums = xcalloc(total + 1, sizeof *sums);
	double *pop = xcalloc(total + 1, sizeof *pop);
	product_sum(c, q, dom, total, sums);
	/* An official release's rates divide by its own populations. */
	struct query *pq = NULL;
	if (q->ind->type == IND_RATE && c->official) {
		pq = xmalloc(sizeof *pq);
		*pq = *q;
		pq->population_of = c->official;
	}
	if (q->ind->type == IND_RATE &&
	    exact_population(conn, p->populations, version, pq ? pq : q, dom, total, pop, e) < 0) {
		free(pq);
		free(sums);
		free(pop);
		*status = 503;
		return -1;
	}
	free(pq);
	a->cells = xcalloc(total + 1, sizeof *a->cells);
	a->data_version = c->version;
	a->release = c->release;
	a->official = c->official;
	a->release_day = c->official ? c->day : NULL;
	/* A cube answers by its rules: an official release's as it was published, a
	 * calendar's the configuration's with its floor's own spread (product.c). */
	const struct release_rules *ru = &c->rules;
	struct suppression sup = {ru->floor, ru->threshold};
	double var =
	    dl_variance(ru->noise_scale) + (ru->fixed_scale > 0 ? dl_variance(ru->fixed_scale) : 0);
	a->rules = ru;
	int idx[QUERY_MAX_DIMS] = {0};
	long xt = 0, xz = 0, xl = LONG_MIN;
	for (size_t i = 0; i < total; i++) {
		struct pcell *pc = &a->cells[a->n++];
		const struct product_sums *s = &sums[i];
		for (int d = 0; d < q->ndims; d++)
			pc->values[d] = dom[d].items[idx[d]];
		struct perturbed n = summed(&sup, s->truth[0], s->held[0], s->noise[0]);
		struct perturbed d = {0, 0, 0, 1};
		if (q->ind->type == IND_PROPORTION)
			d = summed(&sup, s->truth[1], s->held[1], s->noise[1]);
		int has_den = q->ind->type != IND_RATE || pop[i] >= 0;
		publish(q->ind, var * (s->cells > 0 ? s->cells : 1), n, d, has_den,
			q->ind->type == IND_RATE ? pop[i] : 0, pc);
		a->suppressed += pc->status == CELL_SUPPRESSED;
		xt += s->truth[2];
		xz += s->noise[2];
		xl = s->held[2] > xl ? s->held[2] : xl;
		for (int k = q->ndims - 1; k >= 0; k--) {
			if (++idx[k] < dom[k].n)
				break;
			idx[k] = 0;
		}
	}
	a->excluded = NAN;
	if (q->ind->type == IND_PROPORTION) {
		struct perturbed x = summed(&sup, xt, xl, xz);
		if (x.published)
			a->excluded = (double)x.noisy;
	}
	free(sums);
	free(pop);
	return 0;
}

/* ---- the answer cache ---- */

/* The cache's key of q's protected table. */
static void answer_key(const struct query *q, long long period, char *key, size_t size)
{
	snprintf(key, size, "answer %lld %s", period, q->canonical);
}

/* The period an answer would be made in, as far as memory knows (the cache's key with the
 * query): the engine's, or without one the latest the watcher heard while it is the
 * calendar's, and its version in *version; 0: none known (the answer is made, not looked
 * up). */
static long long known_period(const struct protector *p, long long *version)
{
	struct data_period per;
	long long ep, ev;
	if (engine_period(p->engine, &ep, &ev)) {
		*version = ev;
		return ep;
	}
	if (version_watch_period(p->version, &per) == 0 && period_is_current(&per, p->cfg)) {
		*version = per.version;
		return per.id;
	}
	return 0;
}

/* An answer as the cache keeps it under (key, version) (cache.h): its cells, the
 * identities, then its fields (last: so that the copy the cache gives back is the cells'
 * own block, not copied once more). */
static void keep(const struct protector *p, const char *key, long long version,
		 const struct answer *a, const uint8_t *ids, size_t nids)
{
	size_t cells = a->n * sizeof *a->cells, len = cells + nids * 16 + sizeof *a;
	if (!p->cache || !cache_fits(p->cache, len))
		return;
	uint8_t *b = xmalloc(len);
	memcpy(b, a->cells, cells);
	if (nids) /* (ids may be NULL then) */
		memcpy(b + cells, ids, nids * 16);
	memcpy(b + len - sizeof *a, a, sizeof *a);
	cache_put(p->cache, key, version, b, len);
	free(b);
}

/* The answer kept by the cache under key at version, into a (its cells in the block the
 * cache copied out) and its identities; 0, or -1. */
static int kept(const struct protector *p, const char *key, long long version, struct answer *a,
		uint8_t **ids, size_t *nids)
{
	size_t len;
	if (!p->cache)
		return -1;
	uint8_t *b = cache_get(p->cache, key, version, &len);
	if (!b)
		return -1;
	memcpy(a, b + len - sizeof *a, sizeof *a);
	size_t cells = a->n * sizeof *a->cells;
	*nids = (len - sizeof *a - cells) / 16;
	*ids = xmalloc(*nids * 16 + 1);
	memcpy(*ids, b + cells, *nids * 16);
	a->cells = (struct pcell *)(void *)b;
	a->held = NULL;
	a->settling = NULL;
	return 0;
}

static unsigned long product_kept, product_summed;

void protect_product_counts(unsigned long *kept, unsigned long *summed)
{
	*kept = __atomic_load_n(&product_kept, __ATOMIC_RELAXED);
	*summed = __atomic_load_n(&product_summed, __ATOMIC_RELAXED);
}

/* q's table summed from the release's table c (from_product), kept by the cache: a
 * published table is summed again by every asker, the public's dashboard first, and the
 * sums, a cell's interval and its status are the same for all (no noise is drawn, no
 * budget charged). Kept at the data version the watcher knows, since a rate divides by
 * the populations of that version (read for it: from_product's version), and under the
 * release's table and the size allowed, besides the query: its cells never outlive
 * either. Nothing is kept while the watcher knows no version (the database away: a count
 * is then summed from the cube alone, as before), nor a table over PROTECT_MAX_CELLS (a
 * base table published whole, up to 48 MB, would push out the rest). The release's day
 * and rules are the cube's own, pointed to again (the cube summed then may be gone). */
static int from_product_kept(const struct protector *p, PGconn *conn, const struct query *q,
			     const struct product_cube *c, size_t max_cells, struct answer *a,
			     unsigned *status, struct wq_error *e)
{
	char key[QUERY_TEXT_MAX + 160];
	long long version = version_watch_get(p->version);
	int n = snprintf(key, sizeof key, "product %d %lld %lld %zu %s %s", c->official, c->release,
			 c->version, max_cells, c->name ? c->name : "", q->canonical);
	int keyed = p->cache && version && n > 0 && (size_t)n < sizeof key;
	uint8_t *ids = NULL;
	size_t nids = 0;
	if (keyed && kept(p, key, version, a, &ids, &nids) == 0) {
		free(ids);
		a->release_day = c->official ? c->day : NULL;
		a->rules = &c->rules;
		__atomic_add_fetch(&product_kept, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (from_product(p, conn, q, c, max_cells, version, a, status, e) < 0)
		return -1;
	__atomic_add_fetch(&product_summed, 1, __ATOMIC_RELAXED);
	a->kept_at = version;
	if (keyed && a->n <= PROTECT_MAX_CELLS)
		keep(p, key, version, a, NULL, 0);
	return 0;
}

/* The refusal of a charge the budget cannot pay, in e. */
static void refuse(const struct protector *p, int sensitivity, const struct charge *ch,
		   unsigned *status, int *retry_after, struct wq_error *e)
{
	double epsilon = sensitivity / p->cfg->noise_scale;
	if (ch->retry_after == 0) {
		err_set(e, "D1002", "this query costs more than the whole budget");
		err_detail(e, "It costs epsilon %.3g; the budget is %.3g per %d days.", epsilon,
			   ch->budget, p->cfg->budget_days);
		err_hint(e, "Ask for fewer items of a multi-valued dimension, or a count instead "
			    "of a proportion; dry_run=true shows a query's cost first.");
		*status = 409;
		return;
	}
	err_set(e, "D1001", "the privacy budget of this token is exhausted");
	err_detail(e,
		   "This query costs epsilon %.3g; %.3g of %.3g remain in the last %d days. "
		   "Enough of it renews in %d days.",
		   epsilon, ch->remaining, ch->budget, p->cfg->budget_days,
		   (ch->retry_after + 86399) / 86400);
	err_hint(e, "Repeating a query already answered costs nothing, and the published tables "
		    "are free; dry_run=true shows any query's cost before it is asked.");
	*retry_after = ch->retry_after;
	*status = 429;
}

/* The charge of an answer's cells: what it takes, and what comes of it. Apart from the
 * answer, so that it can run on a thread of its own while the answer is rendered
 * (PROTECT_CHARGE_LATER) and touch nothing the renderer reads. */
struct settlement {
	const struct protector *p;
	PGconn *conn;
	const struct principal *who;
	uint8_t *held; /* the cells' identities, taken */
	size_t nheld;
	double cost;
	int sensitivity;
	pthread_t thread;
	/* what comes of it: rc 0 (released), or -1 with status (and retry_after) and e */
	int rc, retry_after;
	unsigned status;
	double epsilon, remaining, budget;
	struct wq_error e;
};

/* Whether every cell was paid for before: then free, as the ledger would say (seen.h),
 * without the database; the budget is the one the ledger last reported for this token. */
static int paid_before(struct settlement *s)
{
	double spent, budget;
	if (!s->p->seen ||
	    !seen_covers(s->p->seen, s->who->token_id, s->held, s->nheld, &spent, &budget))
		return 0;
	s->rc = 0;
	s->epsilon = 0;
	s->budget = budget;
	s->remaining = budget - spent > 0 ? budget - spent : 0;
	return 1;
}

/* Charges the cells to the token in the ledger. */
static void *charge(void *arg)
{
	struct settlement *s = arg;
	struct charge ch;
	int rc = ledger_charge(s->conn, s->p->seen, s->p->cfg, s->who, s->held, s->nheld, s->cost,
			       0, &ch, &s->e);
	s->rc = rc == 0 ? 0 : -1;
	if (rc < 0) {
		s->status = 503;
		return NULL;
	}
	if (rc > 0)
		refuse(s->p, s->sensitivity, &ch, &s->status, &s->retry_after, &s->e);
	s->epsilon = rc == 0 ? ch.epsilon : 0;
	s->remaining = ch.remaining;
	s->budget = ch.budget;
	return NULL;
}

/* What came of the charge, into a: 0; or -1, a refusal, with a emptied but for what the
 * query would cost and what is left (protect.h). Frees s. */
static int settled(struct answer *a, struct settlement *s, unsigned *status, int *retry_after,
		   struct wq_error *e)
{
	int rc = s->rc;
	if (rc == 0 || s->status != 503) {
		a->remaining = s->remaining;
		a->budget = s->budget;
	}
	if (rc == 0) {
		a->epsilon = s->epsilon;
	} else {
		*status = s->status;
		*retry_after = s->retry_after;
		*e = s->e;
		double cost = a->cost, remaining = a->remaining, budget = a->budget;
		answer_free(a);
		a->cost = cost;
		a->remaining = remaining;
		a->budget = budget;
	}
	free(s->held);
	free(s);
	return rc;
}

int protect_settle(struct answer *a, unsigned *status, int *retry_after, struct wq_error *e)
{
	struct settlement *s = a->settling;
	if (!s)
		return 0;
	pthread_join(s->thread, NULL);
	a->settling = NULL;
	return settled(a, s, status, retry_after, e);
}

int protect_answer(const struct protector *p, PGconn *conn, const struct query *q,
		   const struct principal *who, enum protect_mode mode, struct answer *a,
		   unsigned *status, int *retry_after, struct wq_error *e)
{
	uint8_t *ids = NULL;
	size_t nids = 0;
	memset(a, 0, sizeof *a);
	*retry_after = 0;
	/* The noise key's scales and function, unless checked at start (the database was
	 * down, or the caller is no server): no answer that may draw noise is made until
	 * they pass. (A published answer under official releases sums stored cells.) */
	int draws = mode != PROTECT_PUBLISHED || !p->cfg->official_releases;
	if (draws && !__atomic_load_n(&p->keys->noise_prf, __ATOMIC_ACQUIRE) &&
	    noise_rules_check(conn, p->cfg, p->keys, e) < 0) {
		log_error("%s: %s", e->code, e->message); /* S5007, or the database */
		*status = 503;
		return -1;
	}
	/* A rule of the grammar broken: 409 naming it; to the public, that it needs a token. */
	int broken = mode != PROTECT_PUBLISHED && grammar_check(q, p->cfg, who->role, e) < 0;
	if (broken && who->role != ROLE_PUBLIC) {
		*status = 409;
		return -1;
	}
	/* The published product first: what it answers is free, for everyone. */
	int failed = 0;
	const struct product_cube *c =
	    p->product && !broken ? product_find(p->product, conn, q, &failed) : NULL;
	if (failed == PRODUCT_NO_RELEASE) {
		err_set(e, "R1001", "there is no published release %d", q->release);
		err_field(e, "release");
		err_hint(e, "GET /api/v1/releases lists the published releases.");
		*status = 404;
		return -1;
	}
	if (failed == PRODUCT_CALENDAR) {
		err_set(e, "R1002", "this server publishes its tables by calendar, not by release");
		err_field(e, "release");
		err_hint(e, "Ask without release=; GET /api/v1/disclosure gives the calendar.");
		*status = 409;
		return -1;
	}
	if (failed) {
		err_set(e, "S2002", "the published product could not be read");
		*status = 503;
		return -1;
	}
	if (!c && q->release) {
		err_set(e, "R1003", "release %d publishes no table that answers this query",
			q->release);
		err_field(e, "release");
		err_hint(e, "A release holds the published product's tables and their sums; "
			    "ask without release= for a table of the data of now.");
		*status = 409;
		return -1;
	}
	if (c) {
		/* A base table is published whole: as large as it is. */
		if (from_product_kept(p, conn, q, c,
				      mode == PROTECT_PUBLISHED ? PRODUCT_MAX_CELLS
								: PROTECT_MAX_CELLS,
				      a, status, e) < 0) {
			answer_free(a);
			return -1;
		}
		a->sensitivity = sensitivity_of(q, p->lists, 4);
		a->budget = ledger_budget(p->cfg, who->role);
		/* What is left: as the token's last charge left it when that is fresh (seen.h),
		 * else from the ledger. */
		double spent;
		if (who->role != ROLE_PUBLIC && p->seen &&
		    seen_covers(p->seen, who->token_id, NULL, 0, &spent, &a->budget)) {
			a->remaining = a->budget - spent > 0 ? a->budget - spent : 0;
		} else if (who->role != ROLE_PUBLIC) {
			if (ledger_remaining(conn, p->cfg, who, &a->remaining, &a->budget, e) < 0) {
				answer_free(a);
				*status = 503;
				return -1;
			}
			if (p->seen)
				seen_spent(p->seen, who->token_id, a->budget - a->remaining,
					   a->budget);
		}
		return 0;
	}
	if (who->role == ROLE_PUBLIC || mode == PROTECT_PUBLISHED) {
		err_set(e, "T1000", "this query needs a token");
		err_detail(e, "Without a token, only the published product is answered: the "
			      "published tables and what their cells add up to.");
		err_hint(e, "GET /api/v1/disclosure lists them; send Authorization: Bearer wq_...");
		*status = 401;
		return -1;
	}
	/* Kept under its period and the query (cache.h), else made in the latest period. */
	long long version = 0, period = known_period(p, &version);
	char key[QUERY_TEXT_MAX + 32];
	answer_key(q, period, key, sizeof key);
	if (!period || kept(p, key, version, a, &ids, &nids) < 0) {
		if (compute(p, conn, q, a, &ids, &nids, status, e) < 0) {
			answer_free(a);
			return -1;
		}
		answer_key(q, a->period, key, sizeof key);
		keep(p, key, a->data_version, a, ids, nids);
	}
	a->cost = a->sensitivity / p->cfg->noise_scale;
	a->budget = ledger_budget(p->cfg, who->role);
	a->held = ids;
	a->nheld = nids;
	if (mode == PROTECT_DRY_RUN) {
		/* What it would cost and leave; nothing released, nothing recorded. */
		struct charge ch;
		int rc = ledger_charge(conn, p->seen, p->cfg, who, ids, nids, a->cost, 1, &ch, e);
		free(a->cells);
		a->cells = NULL;
		a->n = 0;
		free(a->held);
		a->held = NULL;
		if (rc < 0) {
			*status = 503;
			return -1;
		}
		a->budget = ch.budget;
		a->epsilon = rc == 0 ? ch.epsilon : a->cost;
		a->remaining = ch.remaining;
		a->affordable = rc == 0;
		return 0;
	}
	if (!a->held)
		return 0;
	struct settlement *s = xcalloc(1, sizeof *s);
	*s = (struct settlement){.p = p,
				 .conn = conn,
				 .who = who,
				 .held = a->held,
				 .nheld = a->nheld,
				 .cost = a->cost,
				 .sensitivity = a->sensitivity};
	a->held = NULL;
	/* A charge that needs the database, on its own thread when the caller renders
	 * meanwhile (a repeat, paid before, needs neither). */
	if (!paid_before(s)) {
		if (mode == PROTECT_CHARGE_LATER &&
		    pthread_create(&s->thread, NULL, charge, s) == 0) {
			a->settling = s;
			return 0;
		}
		charge(s);
	}
	return settled(a, s, status, retry_after, e);
}

void answer_free(struct answer *a)
{
	if (a->settling) { /* charged, perhaps, but never released */
		pthread_join(a->settling->thread, NULL);
		free(a->settling->held);
		free(a->settling);
	}
	free(a->cells);
	free(a->held);
	memset(a, 0, sizeof *a);
}
