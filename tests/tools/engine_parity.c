/* The column engine against the SQL path: random analytics queries (every indicator, 1-4
 * dimensions, items, filters on single- and multi-valued dimensions, year ranges, a rate's
 * age band last as standardisation asks it), each answered by both paths over the same
 * data version, every cell compared: numerator, denominator, excluded rows and the three
 * cell keys; and each cell's definition (the noise's key) made once per table against the
 * same made alone. Connects as the reader role, like the server, and loads its own
 * columns, over PARTS connections (2 unless given; server/shares.h).
 *   WIQAYA_CONF=... tool_engine_parity QUERIES SEED [PARTS]
 * prints "QUERIES queries, CELLS cells, DIFFERENT differ, version V" and each difference,
 * after "PARTS parts, N of M facts read by years";
 * exits 0 when none differ, 1 when any does, 2 when it could not run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/db.h"
#include "common/strbuf.h"
#include "server/columns.h"
#include "server/exact.h"
#include "server/indicator.h"
#include "server/layout.h"
#include "server/populations.h"
#include "server/protect.h"
#include "server/query.h"

static struct codelists lists;
static struct indicators inds;
static unsigned long long rng;

static unsigned pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned)(rng % n) : 0;
}

/* Up to max items of d, as "a;b;c", into out: codes, years or booleans. */
static void items(const struct dimension *d, int first, int last, int max, struct strbuf *out)
{
	int n = 1 + (int)pick((unsigned)max);
	for (int i = 0; i < n; i++) {
		if (i)
			sb_putc(out, ';');
		if (d->kind == DIM_YEAR)
			sb_printf(out, "%d", first + (int)pick((unsigned)(last - first + 1)));
		else if (d->kind == DIM_BOOL)
			sb_puts(out, pick(2) ? "true" : "false");
		else {
			const struct code_list *l = codelists_get(&lists, d->list);
			sb_puts(out, l->items[pick((unsigned)l->n)].code);
		}
	}
}

/* One random query text over ind. */
static void random_query(const struct indicator *ind, int first, int last, struct strbuf *out)
{
	const char *names[64];
	int n = 0;
	for (const char *const *d = ind->fact->dims; *d && n < 64; d++)
		names[n++] = *d;
	sb_reset(out);
	sb_printf(out, "indicator=%s", ind->id);
	int ndims = 1 + (int)pick(4), used[64] = {0};
	/* A rate is asked by age band last half the time: a standardised table's cells. */
	int age_last = ind->type == IND_RATE && pick(2);
	for (int i = 0; i < ndims - age_last; i++) {
		int k = (int)pick((unsigned)n);
		const struct dimension *d = model_dimension(names[k]);
		if (used[k] || (age_last && !strcmp(d->name, "age_band")))
			continue;
		used[k] = 1;
		sb_printf(out, "&dimension=%s", d->name);
		if (pick(4) == 0) {
			sb_putc(out, ':');
			items(d, first, last, 4, out);
		}
	}
	if (age_last)
		sb_puts(out, "&dimension=age_band");
	for (int f = (int)pick(3); f > 0; f--) {
		const struct dimension *d = model_dimension(names[pick((unsigned)n)]);
		sb_printf(out, "&filter=%s:", d->name);
		items(d, first, last, 3, out);
	}
	if (pick(3) == 0)
		sb_printf(out, "&from=%d", first + (int)pick((unsigned)(last - first + 1)));
	if (pick(3) == 0)
		sb_printf(out, "&to=%d", last - (int)pick(3));
}

static int same(const struct exact_cell *a, const struct exact_cell *b)
{
	return a->num == b->num && a->den == b->den && a->excluded == b->excluded &&
	       a->has_den == b->has_den && a->ckn == b->ckn && a->ckd == b->ckd && a->ckx == b->ckx;
}

int main(int argc, char **argv)
{
	struct wq_config cfg;
	struct wq_error e;
	const char *conf = getenv("WIQAYA_CONF");
	if (argc < 3 || argc > 4 || !conf) {
		fprintf(stderr,
			"usage: WIQAYA_CONF=FILE tool_engine_parity QUERIES SEED [PARTS]\n");
		return 2;
	}
	long queries = atol(argv[1]);
	rng = strtoull(argv[2], NULL, 10) * 2654435761ull + 88172645463325252ull;
	if (config_load(&cfg, conf, &e) < 0 || codelists_load(&lists, cfg.codelists_dir, &e) < 0 ||
	    indicators_load(&inds, cfg.indicators_path, &e) < 0) {
		err_print(&e, stderr);
		return 2;
	}
	int parts = argc == 4 ? atoi(argv[3]) : 2;
	struct columns *cols = columns_load(&cfg, parts, &e);
	PGconn *conn = cols ? db_connect(&cfg, cfg.db_reader_user, &e) : NULL;
	PGresult *v = NULL;
	if (conn &&
	    db_run(conn, &e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) == 0)
		v = db_exec(conn, &e, "SELECT version FROM analytics.data_version", 0, NULL);
	if (!v) {
		err_print(&e, stderr);
		return 2;
	}
	if (atoll(PQgetvalue(v, 0, 0)) != cols->version) {
		fprintf(stderr, "the data changed while the columns loaded: run again\n");
		return 2;
	}
	PQclear(v);
	printf("%d parts, %d of %d facts read by years\n", parts, cols->facts_by_years,
	       cols->nfacts);
	long asked = 0, cells = 0, different = 0;
	struct strbuf text;
	sb_init(&text);
	while (asked < queries) {
		const struct indicator *ind = &inds.v[pick((unsigned)inds.n)];
		struct query q;
		unsigned status;
		struct domain dom[QUERY_MAX_DIMS];
		random_query(ind, cols->first, cols->last, &text);
		if (query_parse_text(&q, &inds, &lists, text.data, &status, &e) < 0)
			continue; /* an item a dimension has not, a filter twice: ask another */
		layout_domains(&q, &lists, cols->first, cols->last, dom);
		size_t total = layout_cells(&q, dom, PROTECT_MAX_CELLS);
		if (total > PROTECT_MAX_CELLS || total == 0)
			continue;
		struct exact_cell *a = calloc(total, sizeof *a), *b = calloc(total, sizeof *b);
		if (exact_sql(conn, &q, dom, total, a, &e) < 0 ||
		    exact_columns(cols, conn, NULL, &q, dom, total, b, &e) < 0) {
			err_print(&e, stderr);
			return 2;
		}
		asked++;
		cells += (long)total;
		for (size_t i = 0; i < total; i++)
			if (!same(&a[i], &b[i]) && different++ < 20)
				printf("differ: %s cell %zu: sql %ld/%ld/%ld den %d ck %u/%u/%u, "
				       "engine %ld/%ld/%ld den %d ck %u/%u/%u\n",
				       q.canonical, i, a[i].num, a[i].den, a[i].excluded,
				       a[i].has_den, a[i].ckn, a[i].ckd, a[i].ckx, b[i].num,
				       b[i].den, b[i].excluded, b[i].has_den, b[i].ckn, b[i].ckd,
				       b[i].ckx);
		free(a);
		free(b);
		/* Definitions: the table's, cell by cell, and each alone. */
		struct layout_definer df;
		struct strbuf one, all;
		int idx[QUERY_MAX_DIMS] = {0};
		const char *values[QUERY_MAX_DIMS];
		sb_init(&one);
		sb_init(&all);
		layout_definer_init(&df, &q, dom, cols->first, cols->last);
		for (size_t c = 0; c < total; c++) {
			for (int i = 0; i < q.ndims; i++)
				values[i] = dom[i].items[idx[i]];
			layout_definer_cell(&df, idx, &all);
			query_cell_definition(&q, values, cols->first, cols->last, &one);
			if (strcmp(one.data, all.data) && different++ < 20)
				printf("differ: %s cell %zu: defined %s alone, %s in the table\n",
				       q.canonical, c, one.data, all.data);
			for (int i = q.ndims - 1; i >= 0; i--) {
				if (++idx[i] < dom[i].n)
					break;
				idx[i] = 0;
			}
		}
		layout_definer_free(&df);
		sb_free(&one);
		sb_free(&all);
	}
	/* A rate's population written after the version an answer reads (a population loaded
	 * after the engine's version was taken) is said to have moved: its counts are
	 * answered again in one snapshot (protect.c), never divided by another version's. One
	 * written at that version or before is the same rows (a period's engine reads an older
	 * version than the database's, warehouse.population_written). */
	PGresult *pv = db_exec(conn, &e, "SELECT population_version FROM analytics.data_version",
			       0, NULL);
	long long written = pv && PQntuples(pv) == 1 ? atoll(PQgetvalue(pv, 0, 0)) : 0;
	PQclear(pv);
	struct query rq;
	unsigned rstatus;
	if (query_parse_text(&rq, &inds, &lists, "indicator=victim_rate&dimension=sex", &rstatus,
			     &e) == 0) {
		struct domain dom[QUERY_MAX_DIMS];
		layout_domains(&rq, &lists, cols->first, cols->last, dom);
		size_t total = layout_cells(&rq, dom, PROTECT_MAX_CELLS);
		double *pop = calloc(total + 1, sizeof *pop);
		struct populations *pops = populations_new(1 << 20);
		int same_version =
			exact_population(conn, pops, cols->version, &rq, dom, total, pop, &e),
		    other = exact_population(conn, pops, written - 1, &rq, dom, total, pop, &e);
		printf("a rate's population at the columns' version: %d, at a version before it "
		       "was written (%lld): %d (moved: %d)\n",
		       same_version, written, other, EXACT_MOVED);
		if (same_version != 0 || other != EXACT_MOVED)
			different++;
		populations_free(pops);
		free(pop);
	} else {
		printf("the rate's query did not parse: %s\n", e.message);
		different++;
	}
	printf("%ld queries, %ld cells, %ld differ, version %lld\n", asked, cells, different,
	       cols->version);
	sb_free(&text);
	PQclear(PQexec(conn, "COMMIT"));
	PQfinish(conn);
	columns_free(cols);
	indicators_free(&inds);
	codelists_free(&lists);
	config_free(&cfg);
	return different ? 1 : 0;
}
