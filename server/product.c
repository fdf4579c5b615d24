/* The published product (see product.h). */
#include "server/product.h"

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/epoch.h"
#include "server/ledger.h"
#include "server/noise.h"
#include "server/sensitivity.h"

struct product {
	const struct wq_config *cfg;
	const struct keyring *keys;
	const struct codelists *lists;
	const struct public_tables *pt;
	pthread_mutex_t mu;
	struct product_cube **current; /* per listed table: its cube of the newest release */
	long long *tried;	       /* per listed table: the period whose release was
					  sought (measured, found, or refused by the public
					  budget): sought once, not at every request */
	struct product_cube **old;     /* replaced cubes, freed with the product (an answer
					  may still read one) */
	size_t nold, capold;
	/* Official releases (docs/releases.md), each loaded once when first asked and kept:
	 * a published release never changes, and a ministry publishes a few a year. */
	struct official *officials;
	size_t nofficials;
};

/* A published official release: its tables' cubes, per listed table (NULL: the release
 * has no table of that name). */
struct official {
	int id;
	struct product_cube **cubes;
};

struct product *product_new(const struct wq_config *cfg, const struct keyring *keys,
			    const struct codelists *lists, const struct public_tables *pt)
{
	struct product *pr = xcalloc(1, sizeof *pr);
	*pr = (struct product){cfg, keys, lists, pt, PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, 0};
	pr->current = xcalloc(pt->n + 1, sizeof *pr->current);
	pr->tried = xcalloc(pt->n + 1, sizeof *pr->tried);
	return pr;
}

static void cube_free(struct product_cube *c)
{
	if (!c)
		return;
	free(c->values);
	free(c->truth);
	free(c->noise);
	free(c->raise);
	free(c);
}

int product_files_load(struct product_files *f, const struct wq_config *cfg,
		       const struct keyring *keys, struct wq_error *e)
{
	memset(f, 0, sizeof *f);
	if (codelists_load(&f->lists, cfg->codelists_dir, e) < 0 ||
	    indicators_load(&f->indicators, cfg->indicators_path, e) < 0 ||
	    standards_load(&f->standards, cfg->standards_path, &f->lists, e) < 0 ||
	    public_load(&f->pt, cfg->public_tables, cfg, &f->indicators, &f->lists, &f->standards,
			e) < 0)
		return -1;
	f->product = product_new(cfg, keys, &f->lists, &f->pt);
	return 0;
}

void product_files_free(struct product_files *f)
{
	product_free(f->product);
	public_free(&f->pt);
	standards_free(&f->standards);
	indicators_free(&f->indicators);
	codelists_free(&f->lists);
}

void product_free(struct product *pr)
{
	if (!pr)
		return;
	for (size_t i = 0; i < pr->pt->n; i++)
		cube_free(pr->current[i]);
	for (size_t i = 0; i < pr->nold; i++)
		cube_free(pr->old[i]);
	for (size_t i = 0; i < pr->nofficials; i++)
		product_tables_free(pr, pr->officials[i].cubes);
	free(pr->officials);
	free(pr->current);
	free(pr->tried);
	free(pr->old);
	pthread_mutex_destroy(&pr->mu);
	free(pr);
}

/* ---- which base table a query is a post-processing of ---- */

static int base_column(const struct query *base, const struct dimension *d)
{
	for (int j = 0; j < base->ndims; j++)
		if (base->dims[j].dim == d)
			return j;
	return -1;
}

static int covers(const struct query *base, const struct query *q)
{
	if (base->ind != q->ind || base->nfilters || base->from_year || base->to_year)
		return 0;
	int year = 0;
	for (int j = 0; j < base->ndims; j++)
		year |= base->dims[j].dim->kind == DIM_YEAR;
	if (!year)
		return 0; /* a period sums years: the base table must have them */
	for (int i = 0; i < q->ndims + q->nfilters; i++) {
		if (base_column(base, q->dims[i].dim) < 0)
			return 0;
		/* A multi-valued column named twice (a column and a filter, two filters) asks
		 * for children with both items: no sum of cells of one item each. */
		for (int k = 0; k < i; k++)
			if (q->dims[i].dim->multi && q->dims[k].dim == q->dims[i].dim)
				return 0;
	}
	/* A multi-valued column counts a child once per item: its cells add up only when q
	 * names one item of it per cell (a column of q, or a filter of one item). */
	for (int j = 0; j < base->ndims; j++) {
		if (!base->dims[j].dim->multi)
			continue;
		int named = 0;
		for (int i = 0; i < q->ndims + q->nfilters; i++)
			if (q->dims[i].dim == base->dims[j].dim)
				named |= i < q->ndims || q->dims[i].nitems == 1;
		if (!named)
			return 0;
	}
	return 1;
}

/* ---- measuring a base table ---- */

struct row {
	char *key;
	long m[3];
	uint32_t ck[3];
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->key, ((const struct row *)b)->key);
}

static void key_of(const struct query *q, const char *const *values, struct strbuf *k)
{
	sb_reset(k);
	for (int i = 0; i < q->ndims; i++) {
		if (i)
			sb_putc(k, '\x1f');
		sb_puts(k, values[i] ? values[i] : "\x1e");
	}
}

/* The rules a cube's answers are given by unless an official release's replace them
 * (product_release_tables): the configuration's (the key keeps its scales), the floor's
 * spread the cube's own (none for a release stored before the raises, which keeps the
 * plain floor). Never left zero: an official cube's rules decide its suppression. */
static struct release_rules config_rules(const struct product *pr, int spread)
{
	return (struct release_rules){pr->cfg->floor,
				      pr->cfg->threshold,
				      pr->cfg->noise_scale,
				      pr->cfg->fixed_noise_scale,
				      "",
				      0,
				      0,
				      spread};
}

/* Every cell of base's layout at the data of now, with its noise, and the cells'
 * identities for the public ledger (*ids, malloc'd, *nids of 16 bytes). */
static struct product_cube *measure(const struct product *pr, PGconn *conn,
				    const struct query *base, int last, int *item_cap,
				    uint8_t **ids, size_t *nids, int *empty)
{
	struct wq_error e;
	struct strbuf sql, k, def;
	char *params[QUERY_MAX_DIMS * 6 + 8];
	int np = 0;
	PGresult *ver = NULL, *res = NULL;
	if (db_run(conn, &e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) < 0)
		return NULL;
	sb_init(&sql);
	/* An official release's years only: the facts of its years, the layout to its last. */
	struct query *upto = xmalloc(sizeof *upto);
	*upto = *base;
	upto->to_year = last;
	query_sql(upto, &sql, params, &np);
	free(upto);
	ver = db_exec(
	    conn, &e,
	    "SELECT version, coalesce(first_year, 0), coalesce(last_year, 0), item_cap, " EPOCHS_SQL
	    " FROM analytics.data_version",
	    0, NULL);
	res = ver ? db_exec(conn, &e, sql.data, np, (const char *const *)params) : NULL;
	PQclear(PQexec(conn, res ? "COMMIT" : "ROLLBACK"));
	sb_free(&sql);
	query_params_free(params, np);
	if (!res || PQntuples(ver) != 1) {
		if (res)
			err_set(&e, "S2002", "analytics.data_version does not hold one row");
		log_error("%s: %s", e.code, e.message);
		PQclear(ver);
		PQclear(res);
		return NULL;
	}
	struct product_cube *c = xcalloc(1, sizeof *c);
	c->base = base;
	c->version = atoll(PQgetvalue(ver, 0, 0));
	c->first = atoi(PQgetvalue(ver, 0, 1));
	c->last = atoi(PQgetvalue(ver, 0, 2));
	if (last > 0 && last < c->last)
		c->last = last;
	*item_cap = atoi(PQgetvalue(ver, 0, 3));
	struct epochs epochs;
	if (epochs_parse(&epochs, PQgetvalue(ver, 0, 4)) < 0) {
		/* (read as none: every cell then at epoch 0 would undo them) */
		log_error("S2002: analytics.year_change holds what this server cannot read");
		PQclear(ver);
		PQclear(res);
		free(c);
		return NULL;
	}
	PQclear(ver);

	/* The exact rows, by their columns' canonical values. */
	size_t nrows = (size_t)PQntuples(res);
	struct row *rows = xcalloc(nrows + 1, sizeof *rows);
	sb_init(&k);
	for (size_t r = 0; r < nrows; r++) {
		const char *v[QUERY_MAX_DIMS];
		for (int i = 0; i < base->ndims; i++) {
			const char *t =
			    PQgetisnull(res, (int)r, i) ? NULL : PQgetvalue(res, (int)r, i);
			v[i] = t && base->dims[i].dim->kind == DIM_BOOL
				   ? (t[0] == 't' ? "true" : "false")
				   : t;
		}
		key_of(base, v, &k);
		rows[r].key = xstrdup(k.data);
		int col[3] = {QCOL_NUM, QCOL_DEN, QCOL_EXCLUDED},
		    ckc[3] = {QCOL_CKN, QCOL_CKD, QCOL_CKX};
		for (int m = 0; m < 3; m++) {
			int f = base->ndims + col[m], g = base->ndims + ckc[m];
			rows[r].m[m] =
			    PQgetisnull(res, (int)r, f) ? 0 : atol(PQgetvalue(res, (int)r, f));
			rows[r].ck[m] =
			    PQgetisnull(res, (int)r, g)
				? 0
				: (uint32_t)strtoul(PQgetvalue(res, (int)r, g), NULL, 10);
		}
	}
	PQclear(res);
	qsort(rows, nrows, sizeof *rows, cmp_row);

	/* Every cell of the layout, true zeros included: a cell without noise would say it
	 * is empty in every sum it enters. */
	struct domain dom[QUERY_MAX_DIMS];
	layout_domains(base, pr->lists, c->first, c->last, dom);
	size_t total = c->first > 0 ? layout_cells(base, dom, PRODUCT_MAX_CELLS) : 0;
	int proportion = base->ind->type == IND_PROPORTION, measures = proportion ? 3 : 1;
	if (total == 0 || total > PRODUCT_MAX_CELLS) {
		/* No data yet, or a table too large: no release (its queries go the way of
		 * any query), rather than an empty one served as suppressed for a period. */
		if (total)
			log_error("S1303: the published table \"%s\" has more than %d cells",
				  base->canonical, PRODUCT_MAX_CELLS);
		for (size_t r = 0; r < nrows; r++)
			free(rows[r].key);
		free(rows);
		sb_free(&k);
		cube_free(c);
		epochs_free(&epochs);
		*empty = 1;
		return NULL;
	}
	c->n = total;
	c->values = xcalloc(total * (size_t)base->ndims + 1, sizeof *c->values);
	c->truth = xcalloc(total * 3 + 1, sizeof *c->truth);
	c->noise = xcalloc(total * 3 + 1, sizeof *c->noise);
	c->raise = xcalloc(total * 3 + 1, sizeof *c->raise);
	c->spread = pr->cfg->floor_spread;
	c->rules = config_rules(pr, c->spread);
	*ids = xmalloc(total * (size_t)measures * 16 + 16);
	*nids = 0;
	sb_init(&def);
	static const char name[3] = {'n', 'd', 'x'};
	struct noise_measure raises[3]; /* each measure's, for its raises */
	for (int m = 0; m < measures; m++)
		noise_measure_init(&raises[m], pr->cfg, pr->keys, base->ind, name[m]);
	int idx[QUERY_MAX_DIMS] = {0};
	for (size_t i = 0; i < total; i++) {
		const char **v = c->values + i * (size_t)base->ndims;
		for (int d = 0; d < base->ndims; d++)
			v[d] = dom[d].items[idx[d]];
		key_of(base, v, &k);
		struct row probe = {.key = k.data};
		const struct row *hit =
		    nrows ? bsearch(&probe, rows, nrows, sizeof *rows, cmp_row) : NULL;
		query_cell_definition(base, v, c->first, c->last, &def);
		uint64_t epoch = epochs_of(&epochs, def.data);
		for (int m = 0; m < measures; m++) {
			c->truth[i * 3 + (size_t)m] = hit ? hit->m[m] : 0;
			c->noise[i * 3 + (size_t)m] =
			    noise_of(pr->cfg, pr->keys, base->ind, name[m], def.data,
				     hit ? hit->ck[m] : 0, epoch, *ids + 16 * (*nids)++);
			c->raise[i * 3 + (size_t)m] =
			    (unsigned char)noise_raise(&raises[m], def.data);
		}
		for (int d = base->ndims - 1; d >= 0; d--) {
			if (++idx[d] < dom[d].n)
				break;
			idx[d] = 0;
		}
	}
	sodium_memzero(raises, sizeof raises); /* (absorbed key states, under function 1) */
	epochs_free(&epochs);
	sb_free(&def);
	sb_free(&k);
	for (size_t r = 0; r < nrows; r++)
		free(rows[r].key);
	free(rows);
	return c;
}

/* ---- storing a release ---- */

static char *cube_text(const struct product_cube *c)
{
	json_t *values = json_array(), *truth = json_array(), *noise = json_array();
	for (size_t i = 0; i < c->n * (size_t)c->base->ndims; i++)
		json_array_append_new(values,
				      c->values[i] ? json_string(c->values[i]) : json_null());
	json_t *raise = json_array();
	for (size_t i = 0; i < c->n * 3; i++) {
		json_array_append_new(truth, json_integer(c->truth[i]));
		json_array_append_new(noise, json_integer(c->noise[i]));
		json_array_append_new(raise, json_integer(c->raise ? c->raise[i] : 0));
	}
	json_t *j = json_pack("{s:I,s:i,s:i,s:I,s:o,s:o,s:o,s:o,s:i}", "version",
			      (json_int_t)c->version, "first", c->first, "last", c->last, "cells",
			      (json_int_t)c->n, "values", values, "truth", truth, "noise", noise,
			      "raise", raise, "floor_spread", c->spread);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

/* The cube stored as text; NULL when it no longer fits the code lists (it is then
 * measured again at the next period). */
static struct product_cube *cube_parse(const struct product *pr, const struct query *base,
				       const char *text, long long release)
{
	json_t *j = json_loads(text, 0, NULL), *values, *truth, *noise;
	json_int_t version = 0, n = 0;
	int first = 0, last = 0, spread = 0;
	/* A release measured before the floor's raises has none: its cells keep the plain
	 * floor, as published. */
	json_t *raise = NULL;
	if (!j ||
	    json_unpack(j, "{s:I,s:i,s:i,s:I,s:o,s:o,s:o,s?o,s?i}", "version", &version, "first",
			&first, "last", &last, "cells", &n, "values", &values, "truth", &truth,
			"noise", &noise, "raise", &raise, "floor_spread", &spread) < 0 ||
	    json_array_size(values) != (size_t)n * (size_t)base->ndims ||
	    json_array_size(truth) != (size_t)n * 3 || json_array_size(noise) != (size_t)n * 3 ||
	    (raise && json_array_size(raise) != (size_t)n * 3)) {
		json_decref(j);
		return NULL;
	}
	struct domain dom[QUERY_MAX_DIMS];
	layout_domains(base, pr->lists, first, last, dom);
	struct product_cube *c = xcalloc(1, sizeof *c);
	*c = (struct product_cube){base, NULL,	    release, version, first,
				   last, (size_t)n, NULL,    NULL,    NULL};
	c->values = xcalloc((size_t)n * (size_t)base->ndims + 1, sizeof *c->values);
	c->truth = xcalloc((size_t)n * 3 + 1, sizeof *c->truth);
	c->noise = xcalloc((size_t)n * 3 + 1, sizeof *c->noise);
	c->raise = xcalloc((size_t)n * 3 + 1, sizeof *c->raise);
	c->spread = raise ? spread : 0;
	c->rules = config_rules(pr, c->spread);
	int ok = 1;
	for (size_t i = 0; ok && i < (size_t)n * (size_t)base->ndims; i++) {
		const json_t *v = json_array_get(values, i);
		int at = layout_index(&dom[i % (size_t)base->ndims], json_string_value(v));
		ok = at >= 0;
		if (ok)
			c->values[i] = dom[i % (size_t)base->ndims].items[at];
	}
	for (size_t i = 0; i < (size_t)n * 3; i++) {
		c->truth[i] = (long)json_integer_value(json_array_get(truth, i));
		c->noise[i] = (long)json_integer_value(json_array_get(noise, i));
		if (raise) {
			json_int_t r = json_integer_value(json_array_get(raise, i));
			ok = ok && r >= 0 && r <= spread;
			c->raise[i] = (unsigned char)(ok ? r : 0);
		}
	}
	json_decref(j);
	if (!ok) {
		cube_free(c);
		return NULL;
	}
	return c;
}

/* The release of listed table t for this period: stored, or measured, charged and stored
 * now (the first of concurrent servers wins); the last release when the public budget
 * cannot pay. */
static struct product_cube *release_of(struct product *pr, PGconn *conn, size_t t,
				       long long release, int *failed, int *nothing)
{
	const struct query *base = &pr->pt->q[t];
	const char *name = pr->pt->text[t];
	long long found = 0;
	char *text = public_release_get(conn, name, release, &found, failed);
	if (!text && !*failed) {
		int cap = 4;
		uint8_t *ids = NULL;
		size_t nids = 0;
		int empty = 0;
		struct product_cube *m = measure(pr, conn, base, 0, &cap, &ids, &nids, &empty);
		if (!m) {
			*failed = !empty;
			*nothing = empty;
			return NULL;
		}
		struct principal pub = {0, ROLE_PUBLIC, ""};
		struct charge ch;
		struct wq_error e;
		double epsilon = sensitivity_of(base, pr->lists, cap) / pr->cfg->noise_scale;
		int rc = ledger_charge(conn, NULL, pr->cfg, &pub, ids, nids, epsilon, 0, &ch, &e);
		free(ids);
		if (rc == 0) {
			char *body = cube_text(m);
			if (public_release_put(conn, name, release, m->version, body, &e) < 0) {
				log_error("%s: %s", e.code, e.message);
				*failed = 1; /* sought again at the next request */
			}
			free(body);
		} else if (rc < 0) {
			log_error("%s: %s", e.code, e.message);
		}
		if (*failed) {
			cube_free(m);
			return NULL;
		}
		cube_free(m);
		/* The stored release is the answer (the first of concurrent releases wins);
		 * when the budget could not pay, the last one. */
		text = public_release_get(conn, name, rc == 0 ? release : -1, &found, failed);
	}
	if (!text)
		return NULL;
	struct product_cube *c = cube_parse(pr, base, text, found);
	free(text);
	if (!c)
		return NULL;
	c->name = name;
	return c;
}

/* ---- official releases (docs/releases.md) ---- */

struct product_cube *product_measure(const struct product *pr, PGconn *conn, size_t t, int last,
				     int *item_cap, uint8_t **ids, size_t *nids, int *empty)
{
	*empty = 0;
	struct product_cube *c = measure(pr, conn, &pr->pt->q[t], last, item_cap, ids, nids, empty);
	if (c)
		c->name = pr->pt->text[t];
	return c;
}

char *product_cube_text(const struct product_cube *c)
{
	return cube_text(c);
}

void product_cube_free(struct product_cube *c)
{
	cube_free(c);
}

struct product_cube **product_release_tables(const struct product *pr, PGconn *conn, int id,
					     int *failed)
{
	struct wq_error e;
	char text[16];
	snprintf(text, sizeof text, "%d", id);
	const char *params[] = {text};
	PGresult *r = db_exec(
	    conn, &e,
	    "SELECT t.query, t.body, "
	    "coalesce(to_char(r.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''), r.floor, "
	    "r.threshold, r.noise_scale, r.fixed_noise_scale, "
	    "coalesce(encode(r.noise_key_id, 'hex'), ''), coalesce(r.noise_function, 0), "
	    "coalesce(r.noise_mixed, false) "
	    "FROM auth.release_table t JOIN auth.release r ON r.id = t.release "
	    "WHERE t.release = $1::int",
	    1, params);
	if (!r) {
		log_error("%s: %s", e.code, e.message);
		*failed = 1;
		return NULL;
	}
	struct product_cube **cubes = xcalloc(pr->pt->n + 1, sizeof *cubes);
	for (int i = 0; i < PQntuples(r); i++)
		for (size_t t = 0; t < pr->pt->n; t++) {
			if (cubes[t] || strcmp(pr->pt->text[t], PQgetvalue(r, i, 0)) != 0)
				continue;
			/* A table no longer fitting the code lists is no answer. */
			struct product_cube *c =
			    cube_parse(pr, &pr->pt->q[t], PQgetvalue(r, i, 1), 0);
			if (!c)
				continue;
			c->name = pr->pt->text[t];
			c->official = id;
			snprintf(c->day, sizeof c->day, "%s", PQgetvalue(r, i, 2));
			c->rules = (struct release_rules){atoi(PQgetvalue(r, i, 3)),
							  atoi(PQgetvalue(r, i, 4)),
							  atof(PQgetvalue(r, i, 5)),
							  atof(PQgetvalue(r, i, 6)),
							  "",
							  atoi(PQgetvalue(r, i, 8)),
							  PQgetvalue(r, i, 9)[0] == 't'};
			snprintf(c->rules.key_id, sizeof c->rules.key_id, "%s",
				 PQgetvalue(r, i, 7));
			c->rules.floor_spread = c->spread;
			cubes[t] = c;
		}
	PQclear(r);
	return cubes;
}

void product_tables_free(const struct product *pr, struct product_cube **cubes)
{
	for (size_t t = 0; cubes && t < pr->pt->n; t++)
		cube_free(cubes[t]);
	free(cubes);
}

/* Release id's tables, loaded once (pr->mu held). NULL with *failed on a database error. */
static struct official *official_load(struct product *pr, PGconn *conn, int id, int *failed)
{
	for (size_t i = 0; i < pr->nofficials; i++)
		if (pr->officials[i].id == id)
			return &pr->officials[i];
	struct product_cube **cubes = product_release_tables(pr, conn, id, failed);
	if (!cubes)
		return NULL;
	pr->officials = xrealloc(pr->officials, (pr->nofficials + 1) * sizeof *pr->officials);
	pr->officials[pr->nofficials] = (struct official){id, cubes};
	return &pr->officials[pr->nofficials++];
}

/* q's cube in the official release it asks (the newest published when none). */
static const struct product_cube *official_find(struct product *pr, PGconn *conn,
						const struct query *q, int *failed)
{
	struct wq_error e;
	char text[16];
	snprintf(text, sizeof text, "%d", q->release);
	const char *params[] = {text};
	PGresult *r = db_exec(conn, &e,
			      "SELECT id FROM auth.release WHERE published_at IS NOT NULL "
			      "AND ($1::int = 0 OR id = $1::int) ORDER BY id DESC LIMIT 1",
			      1, params);
	if (!r) {
		log_error("%s: %s", e.code, e.message);
		*failed = PRODUCT_DB;
		return NULL;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		if (q->release)
			*failed = PRODUCT_NO_RELEASE;
		return NULL;
	}
	int id = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	const struct product_cube *found = NULL;
	pthread_mutex_lock(&pr->mu);
	struct official *o = official_load(pr, conn, id, failed);
	for (size_t t = 0; o && t < pr->pt->n && !found; t++)
		if (covers(&pr->pt->q[t], q) && !pr->pt->st[t])
			found = o->cubes[t];
	pthread_mutex_unlock(&pr->mu);
	return found;
}

const struct product_cube *product_find(struct product *pr, PGconn *conn, const struct query *q,
					int *failed)
{
	long long release = public_release_period(pr->cfg, time(NULL));
	const struct product_cube *found = NULL;
	*failed = 0;
	if (pr->cfg->official_releases)
		return official_find(pr, conn, q, failed);
	if (q->release) {
		*failed = PRODUCT_CALENDAR;
		return NULL;
	}
	pthread_mutex_lock(&pr->mu);
	for (size_t t = 0; t < pr->pt->n && !found && !*failed; t++) {
		if (!covers(&pr->pt->q[t], q) || pr->pt->st[t])
			continue;
		struct product_cube *c = pr->current[t];
		if (pr->tried[t] != release) {
			int nothing = 0;
			struct product_cube *fresh =
			    release_of(pr, conn, t, release, failed, &nothing);
			if (*failed)
				break; /* the database: sought again at the next request */
			if (!nothing)  /* no data yet: sought again when there may be some */
				pr->tried[t] = release;
			if (fresh && c) {
				/* An answer may still be reading the old cube: kept till the end.
				 */
				xgrow((void **)&pr->old, &pr->capold, pr->nold + 1,
				      sizeof *pr->old);
				pr->old[pr->nold++] = c;
			}
			if (fresh)
				c = pr->current[t] = fresh;
		}
		found = c;
	}
	pthread_mutex_unlock(&pr->mu);
	return found;
}

/* ---- answering from a base table ---- */

/* Whether base cell value v satisfies q's filter f (one item of a multi-valued column). */
static int passes(const struct query_dim *f, const char *v)
{
	return v && layout_listed(f, v);
}

void product_sum(const struct product_cube *c, const struct query *q, const struct domain *dom,
		 size_t ncells, struct product_sums *sums)
{
	const struct query *base = c->base;
	int col[QUERY_MAX_DIMS * 2], year = -1;
	memset(sums, 0, ncells * sizeof *sums);
	for (size_t i = 0; i < ncells; i++) /* no cell summed: none reaches the floor */
		for (int m = 0; m < 3; m++)
			sums[i].held[m] = LONG_MIN;
	for (int i = 0; i < q->ndims + q->nfilters; i++)
		col[i] = base_column(base, q->dims[i].dim);
	for (int j = 0; j < base->ndims; j++)
		if (base->dims[j].dim->kind == DIM_YEAR)
			year = j;
	for (size_t r = 0; r < c->n; r++) {
		const char *const *v = c->values + r * (size_t)base->ndims;
		int ok = 1;
		if (year >= 0 && v[year]) {
			int y = atoi(v[year]);
			ok = !(q->from_year && y < q->from_year) && !(q->to_year && y > q->to_year);
		}
		for (int i = q->ndims; ok && i < q->ndims + q->nfilters; i++)
			ok = passes(&q->dims[i], v[col[i]]);
		size_t at = 0;
		for (int i = 0; ok && i < q->ndims; i++) {
			int k = layout_index(&dom[i], v[col[i]]);
			ok = k >= 0;
			at = at * (size_t)dom[i].n + (size_t)(k < 0 ? 0 : k);
		}
		if (!ok)
			continue;
		struct product_sums *s = &sums[at];
		for (int m = 0; m < 3; m++) {
			long t = c->truth[r * 3 + (size_t)m];
			long held = t - (long)c->raise[r * 3 + (size_t)m];
			s->truth[m] += t;
			s->noise[m] += c->noise[r * 3 + (size_t)m];
			if (held > s->held[m])
				s->held[m] = held;
		}
		s->cells++;
	}
}
