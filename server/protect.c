/* The protection layer (see protect.h and docs/privacy.md). Steps: admit (the grammar),
 * fetch (the exact cells and the data's span, one snapshot), lay out (every cell of the
 * table's dimensions, so that a true zero is a suppressed cell, never an absent row),
 * perturb (sticky noise per cell and measure), charge (the ledger), publish (values and
 * intervals from the noisy counts only). */
#include "server/protect.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "server/cache.h"
#include "server/grammar.h"
#include "server/ledger.h"
#include "server/seen.h"
#include "common/version.h"
#include "stats/disclosure.h"

#define MAX_PARAMS (QUERY_MAX_DIMS * 6 + 8)
#define MAX_DOMAIN 512

/* ---- the table's layout: every dimension's items ---- */

struct domain {
	const char *items[MAX_DOMAIN]; /* canonical codes; NULL: the null group */
	int n;
};

const char *cell_status_name(enum cell_status s)
{
	static const char *const names[] = {[CELL_OK] = "ok",
					    [CELL_UNRELIABLE] = "unreliable",
					    [CELL_NO_DENOMINATOR] = "no_denominator",
					    [CELL_SUPPRESSED] = "suppressed"};
	return names[s];
}

static int listed(const struct query_dim *d, const char *code)
{
	for (int i = 0; i < d->nitems; i++)
		if (strcmp(d->items[i], code) == 0)
			return 1;
	return 0;
}

/* The filter on the same dimension as column i, if any. */
static const struct query_dim *filter_on(const struct query *q, const struct dimension *dim)
{
	for (int i = q->ndims; i < q->ndims + q->nfilters; i++)
		if (q->dims[i].dim == dim && !dim->multi)
			return &q->dims[i];
	return NULL;
}

static void add_item(struct domain *dom, const struct query *q, const struct query_dim *d,
		     const char *code)
{
	const struct query_dim *f = filter_on(q, d->dim);
	const struct predicate *num = q->ind->numerator;
	if (d->nitems && !listed(d, code))
		return;
	if (f && code && !listed(f, code))
		return;
	if (code && num->out_dim && strcmp(num->out_dim, d->dim->name) == 0 &&
	    strcmp(num->out_item, code) == 0)
		return;
	if (dom->n < MAX_DOMAIN)
		dom->items[dom->n++] = code;
}

/* Years as text, for the layout's items (which point into this table, never freed). */
static char years[301][5];
static pthread_once_t years_once = PTHREAD_ONCE_INIT;

static void fill_years(void)
{
	for (int i = 0; i <= 300; i++)
		snprintf(years[i], sizeof years[i], "%d", 1900 + i);
}

static const char *year_text(int y)
{
	pthread_once(&years_once, fill_years);
	return y < 1900 || y > 2200 ? "" : years[y - 1900];
}

static void lay_out(const struct query *q, const struct codelists *lists, int first, int last,
		    struct domain *dom)
{
	for (int i = 0; i < q->ndims; i++) {
		const struct query_dim *d = &q->dims[i];
		struct domain *o = &dom[i];
		o->n = 0;
		if (d->dim->kind == DIM_YEAR) {
			int lo = q->from_year && q->from_year > first ? q->from_year : first;
			int hi = q->to_year && q->to_year < last ? q->to_year : last;
			for (int y = lo; y <= hi && first > 0; y++)
				add_item(o, q, d, year_text(y));
		} else if (d->dim->kind == DIM_BOOL) {
			add_item(o, q, d, "true");
			add_item(o, q, d, "false");
		} else {
			const struct code_list *l = codelists_get(lists, d->dim->list);
			for (size_t k = 0; l && k < l->n; k++)
				add_item(o, q, d, l->items[k].code);
		}
		if (!d->nitems && model_fact_nullable(q->ind->fact, d->dim))
			add_item(o, q, d, NULL);
	}
}

/* ---- sensitivity ---- */

int protect_sensitivity(const struct query *q, const struct codelists *lists, int item_cap)
{
	/* The privacy unit is a child-year (docs/privacy.md): in one year a child counts in
	 * up to item_cap items of each multi-valued column, and in both the numerator and
	 * the denominator of a proportion. Years do not multiply it: a child reported in k
	 * years is protected at k times the epsilon, as group privacy says. */
	int L = 1;
	for (int i = 0; i < q->ndims; i++) {
		const struct query_dim *d = &q->dims[i];
		if (!d->dim->multi)
			continue;
		const struct code_list *l = codelists_get(lists, d->dim->list);
		int items = d->nitems ? d->nitems : l ? (int)l->n : item_cap;
		L *= items < item_cap ? items : item_cap;
	}
	return q->ind->type == IND_PROPORTION ? 2 * L : L;
}

/* ---- the exact cells ---- */

struct exact {
	char *key; /* the dimensions' canonical values joined by \x1f, NULL as \x1e */
	long num, den, excluded;
	int has_den;
	uint32_t ckn, ckd, ckx;
};

static int cmp_exact(const void *a, const void *b)
{
	return strcmp(((const struct exact *)a)->key, ((const struct exact *)b)->key);
}

static void key_add(struct strbuf *k, int i, const char *v)
{
	if (i)
		sb_putc(k, '\x1f');
	sb_puts(k, v ? v : "\x1e");
}

/* SQL's text of a value, as the layout spells it. */
static const char *canonical_value(const struct dimension *d, const char *text)
{
	if (d->kind == DIM_BOOL)
		return text[0] == 't' ? "true" : "false";
	return text;
}

struct snapshot {
	PGresult *res;
	long long version;
	int first, last, item_cap;
};

/* Opens the answer's snapshot and reads the data's version and span into s. */
static int snapshot_open(PGconn *conn, struct snapshot *s, struct wq_error *e)
{
	PGresult *ver = NULL;
	s->res = NULL;
	if (db_run(conn, e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) < 0)
		return -1;
	ver = db_exec(conn, e,
		      "SELECT version, coalesce(first_year, 0), coalesce(last_year, 0), item_cap "
		      "FROM analytics.data_version",
		      0, NULL);
	if (!ver) {
		PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	s->version = atoll(PQgetvalue(ver, 0, 0));
	s->first = atoi(PQgetvalue(ver, 0, 1));
	s->last = atoi(PQgetvalue(ver, 0, 2));
	s->item_cap = atoi(PQgetvalue(ver, 0, 3));
	PQclear(ver);
	return 0;
}

/* The exact cells of q in the open snapshot, which it closes. */
static int fetch(PGconn *conn, const struct query *q, struct snapshot *s, struct wq_error *e)
{
	char *params[MAX_PARAMS];
	int nparams = 0;
	struct strbuf sql;
	sb_init(&sql);
	query_sql(q, &sql, params, &nparams);
	s->res = db_exec(conn, e, sql.data, nparams, (const char *const *)params);
	PQclear(PQexec(conn, s->res ? "COMMIT" : "ROLLBACK"));
	sb_free(&sql);
	query_params_free(params, nparams);
	return s->res ? 0 : -1;
}

static struct exact *read_cells(const struct query *q, PGresult *res, size_t *n)
{
	size_t rows = (size_t)PQntuples(res);
	struct exact *x = xcalloc(rows ? rows : 1, sizeof *x);
	int base = q->ndims;
	for (size_t r = 0; r < rows; r++) {
		struct strbuf k;
		sb_init(&k);
		for (int i = 0; i < q->ndims; i++)
			key_add(&k, i,
				PQgetisnull(res, (int)r, i)
				    ? NULL
				    : canonical_value(q->dims[i].dim, PQgetvalue(res, (int)r, i)));
		x[r].key = k.data;
		x[r].num = atol(PQgetvalue(res, (int)r, base + QCOL_NUM));
		x[r].has_den = !PQgetisnull(res, (int)r, base + QCOL_DEN);
		x[r].den = x[r].has_den ? atol(PQgetvalue(res, (int)r, base + QCOL_DEN)) : 0;
		x[r].ckn = (uint32_t)strtoul(PQgetvalue(res, (int)r, base + QCOL_CKN), NULL, 10);
		x[r].ckd = (uint32_t)strtoul(PQgetvalue(res, (int)r, base + QCOL_CKD), NULL, 10);
		x[r].excluded = atol(PQgetvalue(res, (int)r, base + QCOL_EXCLUDED));
		x[r].ckx = (uint32_t)strtoul(PQgetvalue(res, (int)r, base + QCOL_CKX), NULL, 10);
	}
	qsort(x, rows, sizeof *x, cmp_exact);
	*n = rows;
	return x;
}

/* ---- noise ---- */

/* The PRF message of one measure of one cell: indicator, measure, definition, and the
 * cell key (the fresh part's) or none (the fixed part's). The same message gives the
 * same noise (stickiness) and, with the cell key, the same ledger identity. */
static void cell_message(struct strbuf *m, const struct indicator *ind, char measure,
			 const char *definition, const uint32_t *ck)
{
	sb_reset(m);
	sb_printf(m, "wiqaya-cell-%s%c%s%c%c%c%s%c", ck ? "v1" : "fixed-v1", 0, ind->id, 0, measure,
		  0, definition, 0);
	if (!ck)
		return;
	uint8_t k[4] = {(uint8_t)(*ck >> 24), (uint8_t)(*ck >> 16), (uint8_t)(*ck >> 8),
			(uint8_t)*ck};
	for (int i = 0; i < 4; i++)
		sb_putc(m, (char)k[i]);
}

double protect_noise_variance(const struct wq_config *cfg)
{
	return dl_variance(cfg->noise_scale) +
	       (cfg->fixed_noise_scale > 0 ? dl_variance(cfg->fixed_noise_scale) : 0);
}

struct perturbed {
	long truth, noisy;
	int published;
};

/* A cell's noise has two parts. The fresh part (scale b) is keyed by the cell and its
 * children: it is what epsilon pays for, and it changes when the children do. The fixed
 * part (scale fixed b) is keyed by the cell's definition alone, so it is the same at
 * every data version: whoever averages the releases of one cell across versions (planting
 * cases to move it) averages the fresh parts away and is left with the fixed one. */
static struct perturbed perturb(const struct protector *p, const struct indicator *ind,
				char measure, const char *definition, long truth, uint32_t ck,
				uint8_t *identity, struct strbuf *m)
{
	struct suppression sup = {p->cfg->floor, p->cfg->threshold};
	struct perturbed v = {truth, 0, 0};
	long noise = 0;
	if (p->cfg->fixed_noise_scale > 0) {
		cell_message(m, ind, measure, definition, NULL);
		noise =
		    dl_draw(dl_uniform(p->keys->noise, m->data, m->len), p->cfg->fixed_noise_scale);
	}
	cell_message(m, ind, measure, definition, &ck);
	noise += dl_draw(dl_uniform(p->keys->noise, m->data, m->len), p->cfg->noise_scale);
	crypto_generichash(identity, 16, (const uint8_t *)m->data, m->len, p->keys->ledger, 32);
	v.noisy = dl_noisy(truth, noise);
	v.published = dl_published(&sup, truth, v.noisy);
	return v;
}

/* ---- publishing one cell ---- */

static void publish(const struct protector *p, const struct indicator *ind, struct perturbed n,
		    struct perturbed d, int has_den, double pop, struct pcell *c)
{
	double var = protect_noise_variance(p->cfg);
	c->value = c->lower = c->upper = c->num = c->den = NAN;
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

/* The protected table of q, from the database: every cell's published values and the
 * identities of what it releases (ids, malloc'd, *nids of 16 bytes). */
static int compute(const struct protector *p, PGconn *conn, const struct query *q, struct answer *a,
		   uint8_t **ids_out, size_t *nids_out, unsigned *status, struct wq_error *e)
{
	struct snapshot s;
	struct domain dom[QUERY_MAX_DIMS];
	if (snapshot_open(conn, &s, e) < 0) {
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
	lay_out(q, p->lists, s.first, s.last, dom);
	size_t total = 1;
	for (int i = 0; i < q->ndims && !refused; i++) {
		total *= (size_t)dom[i].n;
		if (total > PROTECT_MAX_CELLS) {
			err_set(e, "Q1013", "the table would have more than %d cells",
				PROTECT_MAX_CELLS);
			err_hint(e, "List the items wanted (dimension=NAME:a;b) or use a filter.");
			refused = 1;
		}
	}
	if (refused) {
		PQclear(PQexec(conn, "ROLLBACK"));
		*status = 409;
		return -1;
	}
	if (fetch(conn, q, &s, e) < 0) {
		*status = 503;
		return -1;
	}
	size_t nexact;
	struct exact *x = read_cells(q, s.res, &nexact);
	PQclear(s.res);

	int proportion = q->ind->type == IND_PROPORTION;
	int measures = proportion ? 2 : 1;
	uint8_t *ids = xmalloc((total * (size_t)measures + 1) * 16);
	size_t nids = 0;
	a->cells = xcalloc(total ? total : 1, sizeof *a->cells);
	a->data_version = s.version;
	struct strbuf key, def, msg;
	sb_init(&key);
	sb_init(&def);
	sb_init(&msg);
	/* Every cell of the layout, by a mixed-radix counter over the dimensions. */
	int idx[QUERY_MAX_DIMS] = {0};
	long excluded = 0;
	uint32_t ckx = 0;
	for (size_t c = 0; c < total; c++) {
		struct pcell *pc = &a->cells[a->n++];
		sb_reset(&key);
		for (int i = 0; i < q->ndims; i++) {
			pc->values[i] = dom[i].items[idx[i]];
			key_add(&key, i, pc->values[i]);
		}
		struct exact probe = {.key = key.data};
		const struct exact *hit =
		    nexact ? bsearch(&probe, x, nexact, sizeof *x, cmp_exact) : NULL;
		struct exact none = {0};
		const struct exact *ex = hit ? hit : &none;
		query_cell_definition(q, pc->values, s.first, s.last, &def);
		struct perturbed n =
		    perturb(p, q->ind, 'n', def.data, ex->num, ex->ckn, ids + 16 * nids++, &msg);
		struct perturbed d = {0, 0, 1};
		if (proportion)
			d = perturb(p, q->ind, 'd', def.data, ex->den, ex->ckd, ids + 16 * nids++,
				    &msg);
		/* A cell with no child (no row of the SQL) is a true zero: suppressed. */
		publish(p, q->ind, n, d, ex->has_den, (double)ex->den, pc);
		a->suppressed += pc->status == CELL_SUPPRESSED;
		excluded += ex->excluded;
		ckx += ex->ckx;
		for (int i = q->ndims - 1; i >= 0; i--) {
			if (++idx[i] < dom[i].n)
				break;
			idx[i] = 0;
		}
	}
	a->excluded = NAN;
	if (proportion) {
		/* The rows outside the denominator, a count of children like any other. */
		query_cell_definition(q, NULL, s.first, s.last, &def);
		struct perturbed xo =
		    perturb(p, q->ind, 'x', def.data, excluded, ckx, ids + 16 * nids++, &msg);
		if (xo.published)
			a->excluded = (double)xo.noisy;
	}
	sb_free(&key);
	sb_free(&def);
	sb_free(&msg);
	for (size_t i = 0; i < nexact; i++)
		free(x[i].key);
	free(x);
	a->sensitivity = protect_sensitivity(q, p->lists, s.item_cap);
	*ids_out = ids;
	*nids_out = nids;
	return 0;
}

/* The data version now (the cache's key with the query). */
static int current_version(PGconn *conn, long long *version, struct wq_error *e)
{
	PGresult *r = db_exec(conn, e, "SELECT version FROM analytics.data_version", 0, NULL);
	if (!r)
		return -1;
	*version = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return 0;
}

/* The refusal of a charge the budget cannot pay, in e. */
static void refuse(const struct protector *p, const struct answer *a, const struct charge *ch,
		   unsigned *status, int *retry_after, struct wq_error *e)
{
	double epsilon = a->sensitivity / p->cfg->noise_scale;
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

/* Charges the answer's cells to who (free when every one was paid for before). */
static int settle(const struct protector *p, PGconn *conn, const struct principal *who,
		  struct answer *a, unsigned *status, int *retry_after, struct wq_error *e)
{
	double spent;
	struct charge ch;
	*retry_after = 0;
	if (!a->held)
		return 0;
	if (p->seen && seen_covers(p->seen, who->token_id, a->held, a->nheld, &spent)) {
		/* Every cell paid for before: free, as the ledger would say (seen.h); the
		 * budget is the one the ledger last reported for this token. */
		free(a->held);
		a->held = NULL;
		a->epsilon = 0;
		a->remaining = a->budget - spent > 0 ? a->budget - spent : 0;
		return 0;
	}
	int rc = ledger_charge(conn, p->cfg, who, a->held, a->nheld, a->cost, 0, &ch, e);
	if (rc == 0 && p->seen)
		seen_add(p->seen, who->token_id, a->held, a->nheld, ch.budget - ch.remaining);
	free(a->held);
	a->held = NULL;
	if (rc < 0) {
		*status = 503;
		return -1;
	}
	if (rc > 0) {
		refuse(p, a, &ch, status, retry_after, e);
		a->remaining = ch.remaining;
		a->budget = ch.budget;
		return -1;
	}
	a->epsilon = ch.epsilon;
	a->remaining = ch.remaining;
	a->budget = ch.budget;
	return 0;
}

int protect_answer(const struct protector *p, PGconn *conn, const struct query *q,
		   const struct principal *who, enum protect_mode mode, struct answer *a,
		   unsigned *status, int *retry_after, struct wq_error *e)
{
	uint8_t *ids = NULL;
	size_t nids = 0;
	long long version = 0;
	memset(a, 0, sizeof *a);
	*retry_after = 0;
	if (grammar_check(q, p->cfg, who->role, e) < 0) {
		*status = 409;
		return -1;
	}
	/* The version from the watcher when it knows it, else from the database. */
	if (p->cache && !(version = version_watch_get(p->version)) &&
	    current_version(conn, &version, e) < 0) {
		*status = 503;
		return -1;
	}
	if (!p->cache || cache_get(p->cache, q->canonical, version, a, &ids, &nids) < 0) {
		if (compute(p, conn, q, a, &ids, &nids, status, e) < 0) {
			answer_free(a);
			return -1;
		}
		if (p->cache)
			cache_put(p->cache, q->canonical, a->data_version, a, ids, nids);
	}
	a->cost = a->sensitivity / p->cfg->noise_scale;
	a->budget = ledger_budget(p->cfg, who->role);
	a->held = ids;
	a->nheld = nids;
	if (mode == PROTECT_DRY_RUN) {
		/* What it would cost and leave; nothing released, nothing recorded. */
		struct charge ch;
		int rc = ledger_charge(conn, p->cfg, who, ids, nids, a->cost, 1, &ch, e);
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
	if (settle(p, conn, who, a, status, retry_after, e) < 0) {
		/* A refusal keeps what it would cost and what is left (protect.h). */
		double cost = a->cost, remaining = a->remaining, budget = a->budget;
		answer_free(a);
		a->cost = cost;
		a->remaining = remaining;
		a->budget = budget;
		return -1;
	}
	return 0;
}

void answer_free(struct answer *a)
{
	free(a->cells);
	free(a->held);
	memset(a, 0, sizeof *a);
}
