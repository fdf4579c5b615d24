/* The exact cells of an analytics query, as the query layer computes them before any
 * protection: for the tests that check the query layer against independent SQL and the
 * attack tests that compare published cells with the truth (the server never answers
 * these numbers). Connects as the reader role, like the server.
 *   tool_cells 'indicator=victims&dimension=year&filter=sex:female'
 * prints one line per cell: the dimensions' values, numerator, denominator (empty when
 * none) and the rows excluded, tab-separated ("null" for a null group).
 *   tool_cells - < queries
 * reads one query per line and prints, per cell, the query's line number, the
 * dimensions' values joined by "|", the numerator and the numerator's cell key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/db.h"
#include "server/indicator.h"
#include "server/query.h"

static struct codelists lists;
static struct indicators inds;

/* One query: its cells printed as the header says. Returns 0, 1 for a query the layer
 * refuses (its status and code printed unless batch), 2 on a database error. */
static int run_query(PGconn *conn, const char *text, long batch)
{
	struct query q;
	struct wq_error e;
	unsigned status;
	if (query_parse_text(&q, &inds, &lists, text, &status, &e) < 0) {
		if (!batch)
			printf("%u %s\n", status, e.code);
		return 1;
	}
	char *params[QUERY_MAX_DIMS * 6 + 8];
	int np = 0;
	struct strbuf sql;
	sb_init(&sql);
	query_sql(&q, &sql, params, &np);
	PGresult *r = db_exec(conn, &e, sql.data, np, (const char *const *)params);
	query_params_free(params, np);
	sb_free(&sql);
	if (!r) {
		err_print(&e, stderr);
		return 2;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		if (batch)
			printf("%ld\t", batch);
		for (int j = 0; j < q.ndims; j++) {
			const char *v = PQgetisnull(r, i, j) ? "null" : PQgetvalue(r, i, j);
			if (q.dims[j].dim->kind == DIM_BOOL && !PQgetisnull(r, i, j))
				v = v[0] == 't' ? "true" : "false";
			printf("%s%s", v, j + 1 < q.ndims ? (batch ? "|" : "\t") : "");
		}
		if (batch)
			printf("\t%s\t%s\n", PQgetvalue(r, i, q.ndims + QCOL_NUM),
			       PQgetvalue(r, i, q.ndims + QCOL_CKN));
		else
			printf("%s%s\t%s\t%s\n", q.ndims ? "\t" : "",
			       PQgetvalue(r, i, q.ndims + QCOL_NUM),
			       PQgetvalue(r, i, q.ndims + QCOL_DEN),
			       PQgetvalue(r, i, q.ndims + QCOL_EXCLUDED));
	}
	PQclear(r);
	return 0;
}

int main(int argc, char **argv)
{
	struct wq_config cfg;
	struct wq_error e;
	const char *conf = getenv("WIQAYA_CONF");
	if (argc != 2 || !conf) {
		fprintf(stderr, "usage: WIQAYA_CONF=FILE tool_cells QUERY|-\n");
		return 2;
	}
	if (config_load(&cfg, conf, &e) < 0 || codelists_load(&lists, cfg.codelists_dir, &e) < 0 ||
	    indicators_load(&inds, cfg.indicators_path, &e) < 0) {
		err_print(&e, stderr);
		return 2;
	}
	PGconn *conn = db_connect(&cfg, cfg.db_reader_user, &e);
	if (!conn) {
		err_print(&e, stderr);
		return 2;
	}
	int rc = 0;
	if (strcmp(argv[1], "-") == 0) {
		char buf[8192];
		long n = 0;
		while (fgets(buf, sizeof buf, stdin) && rc < 2) {
			buf[strcspn(buf, "\r\n")] = '\0';
			rc = run_query(conn, buf, ++n) == 2 ? 2 : 0;
		}
	} else {
		rc = run_query(conn, argv[1], 0);
	}
	PQfinish(conn);
	indicators_free(&inds);
	codelists_free(&lists);
	config_free(&cfg);
	return rc;
}
