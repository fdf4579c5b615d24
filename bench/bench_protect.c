/* The cost of disclosure control per query: for each of a few representative queries on
 * the loaded country, the median time of the exact query alone (its SQL, as the query
 * layer writes it) against the whole protection layer (the same SQL, the table laid out in
 * full, the noise of every cell, suppression, intervals, the ledger's transaction), in
 * process, over REPEATS runs each. The ledger's first charge is made before timing, so the
 * figures are of a repeated query (whose ledger transaction still runs). The last column is
 * the same with the server's answer cache (server/cache.h): the ledger's transaction, and
 * no SQL but the data version's.
 *   WIQAYA_CONF=... BENCH_TOKEN=wq_... bench_protect [REPEATS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/db.h"
#include "common/token.h"
#include "server/indicator.h"
#include "server/cache.h"
#include "server/keyring.h"
#include "server/protect.h"
#include "server/query.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct bench_query {
	const char *label, *indicator, *dims[4], *filters[2];
	int nd, nf;
};

static const struct bench_query queries[] = {
    {"victims by year (11 cells)", "victims", {"year"}, {NULL}, 1, 0},
    {"victims by region x sex, 2025 (52 cells)", "victims", {"region", "sex"}, {"year:2025"}, 2, 1},
    {"victim_rate by year x sex x age band (220 cells)",
     "victim_rate",
     {"year", "sex", "age_band"},
     {NULL},
     3,
     0},
    {"revictimisation by offence x age band, 2022 (72 cells)",
     "revictimisation_12m",
     {"offence", "age_band"},
     {"year:2022"},
     2,
     1},
    {"cases by agency x status x detection, 2024 (4,032 cells)",
     "cases",
     {"agency", "status", "detection"},
     {"year:2024"},
     3,
     1},
};

int main(int argc, char **argv)
{
	struct wq_config cfg;
	struct wq_error e;
	struct codelists lists;
	struct indicators inds;
	struct keyring keys;
	struct principal who;
	int repeats = argc > 1 ? atoi(argv[1]) : 20;
	const char *conf = getenv("WIQAYA_CONF"), *token = getenv("BENCH_TOKEN");
	if (!conf || !token || repeats < 1) {
		fprintf(stderr,
			"usage: WIQAYA_CONF=FILE BENCH_TOKEN=wq_... bench_protect [REPEATS]\n");
		return 2;
	}
	gsl_set_error_handler_off();
	if (config_load(&cfg, conf, &e) < 0 || codelists_load(&lists, cfg.codelists_dir, &e) < 0 ||
	    indicators_load(&inds, cfg.indicators_path, &e) < 0 ||
	    keyring_load(&keys, &cfg, &e) < 0) {
		err_print(&e, stderr);
		return 2;
	}
	cfg.budget_researcher = 1e12; /* the bench measures time, not the budget */
	PGconn *conn = db_connect(&cfg, cfg.db_reader_user, &e);
	char auth[128];
	snprintf(auth, sizeof auth, "Bearer %s", token);
	if (!conn || token_check(conn, NULL, keys.token, auth, &who, &e) < 0) {
		err_print(&e, stderr);
		return 2;
	}
	struct protector p = {&cfg, &keys, &lists, NULL};
	struct protector pc = {&cfg, &keys, &lists, cache_new((size_t)cfg.cache_mb << 20)};
	double *t_exact = calloc((size_t)repeats, sizeof(double));
	double *t_prot = calloc((size_t)repeats, sizeof(double));
	double *t_cached = calloc((size_t)repeats, sizeof(double));
	printf("%-58s %10s %10s %6s %10s\n", "query", "exact (ms)", "protected", "ratio", "cached");
	for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
		const struct bench_query *b = &queries[k];
		struct query q;
		unsigned status;
		int retry;
		struct query_text t = {b->indicator, b->dims, b->nd, b->filters, b->nf, NULL, NULL};
		if (query_parse(&q, &inds, &lists, &t, &status, &e) < 0) {
			err_print(&e, stderr);
			return 2;
		}
		struct answer a;
		if (protect_answer(&p, conn, &q, &who, PROTECT_CHARGE, &a, &status, &retry, &e) <
		    0) {
			err_print(&e, stderr);
			return 2;
		}
		size_t cells = a.n;
		answer_free(&a);
		for (int r = 0; r < repeats; r++) {
			char *params[QUERY_MAX_DIMS * 6 + 8];
			int np = 0;
			struct strbuf sql;
			sb_init(&sql);
			double t0 = now();
			query_sql(&q, &sql, params, &np);
			PGresult *res =
			    db_exec(conn, &e, sql.data, np, (const char *const *)params);
			t_exact[r] = now() - t0;
			PQclear(res);
			query_params_free(params, np);
			sb_free(&sql);
			t0 = now();
			protect_answer(&p, conn, &q, &who, PROTECT_CHARGE, &a, &status, &retry, &e);
			t_prot[r] = now() - t0;
			answer_free(&a);
			t0 = now();
			protect_answer(&pc, conn, &q, &who, PROTECT_CHARGE, &a, &status, &retry,
				       &e);
			t_cached[r] = now() - t0;
			answer_free(&a);
		}
		qsort(t_exact, (size_t)repeats, sizeof(double), cmp);
		qsort(t_prot, (size_t)repeats, sizeof(double), cmp);
		qsort(t_cached, (size_t)repeats, sizeof(double), cmp);
		double me = t_exact[repeats / 2] * 1e3, mp = t_prot[repeats / 2] * 1e3,
		       mc = t_cached[repeats / 2] * 1e3;
		printf("%-58s %10.2f %10.2f %6.2f %10.2f   (%zu cells, median of %d)\n", b->label,
		       me, mp, mp / me, mc, cells, repeats);
	}
	free(t_exact);
	free(t_prot);
	free(t_cached);
	cache_free(pc.cache);
	PQfinish(conn);
	keyring_free(&keys);
	indicators_free(&inds);
	codelists_free(&lists);
	config_free(&cfg);
	return 0;
}
