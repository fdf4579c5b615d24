/* A query's exact cells, by either path (see exact.h). */
#include "server/exact.h"

#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/scan.h"

#define MAX_PARAMS (QUERY_MAX_DIMS * 6 + 8)

/* SQL's text of a value, as the layout spells it. */
static const char *canonical_value(const struct dimension *d, const char *text)
{
	if (d->kind == DIM_BOOL)
		return text[0] == 't' ? "true" : "false";
	return text;
}

int exact_sql(PGconn *conn, const struct query *q, const struct domain *dom, size_t total,
	      struct exact_cell *x, struct wq_error *e)
{
	char *params[MAX_PARAMS];
	int nparams = 0;
	struct strbuf sql;
	sb_init(&sql);
	query_sql(q, &sql, params, &nparams);
	PGresult *res = db_exec(conn, e, sql.data, nparams, (const char *const *)params);
	sb_free(&sql);
	query_params_free(params, nparams);
	if (!res)
		return -1;
	int base = q->ndims;
	for (int r = 0; r < PQntuples(res); r++) {
		/* The row's cell; a group outside the layout (the item a numerator leaves out)
		 * is no cell of the table. */
		size_t idx = 0;
		int i;
		for (i = 0; i < q->ndims; i++) {
			const char *v =
			    PQgetisnull(res, r, i)
				? NULL
				: canonical_value(q->dims[i].dim, PQgetvalue(res, r, i));
			int at = layout_index(&dom[i], v);
			if (at < 0)
				break;
			idx = idx * (size_t)dom[i].n + (size_t)at;
		}
		if (i < q->ndims || idx >= total)
			continue;
		struct exact_cell *c = &x[idx];
		c->num = atol(PQgetvalue(res, r, base + QCOL_NUM));
		c->has_den = !PQgetisnull(res, r, base + QCOL_DEN);
		c->den = c->has_den ? atol(PQgetvalue(res, r, base + QCOL_DEN)) : 0;
		c->ckn = (uint32_t)strtoul(PQgetvalue(res, r, base + QCOL_CKN), NULL, 10);
		c->ckd = (uint32_t)strtoul(PQgetvalue(res, r, base + QCOL_CKD), NULL, 10);
		c->excluded = atol(PQgetvalue(res, r, base + QCOL_EXCLUDED));
		c->ckx = (uint32_t)strtoul(PQgetvalue(res, r, base + QCOL_CKX), NULL, 10);
	}
	PQclear(res);
	return 0;
}

int exact_columns(const struct columns *c, PGconn *conn, struct populations *pops,
		  const struct query *q, const struct domain *dom, size_t total,
		  struct exact_cell *x, struct wq_error *e)
{
	unsigned char *kept = xcalloc(total ? total : 1, 1);
	double *pop = NULL;
	int rc = scan_cells(c, q, dom, total, x, kept);
	if (rc < 0)
		err_set(e, "S6002",
			"the column engine cannot count indicator %s (no columns, or more rows "
			"than its counts hold)",
			q->ind->id);
	if (rc == 0 && q->ind->type == IND_RATE) {
		/* As the SQL path's join: the population of the cells that have rows. */
		pop = xmalloc((total ? total : 1) * sizeof *pop);
		rc = exact_population(conn, pops, c->version, q, dom, total, pop, e);
		/* (With no memory the statement's version is not known: the engine answers
		 * only in the server, which has one.) A census loaded since c's version (inside
		 * a period, the engine's is older than the database's) cannot divide c's counts,
		 * and the one that could is gone: no denominator until the next period, rather
		 * than a period started for it (which a refresh after each such rate would make
		 * a fresh draw of everything: a cold review). */
		if (rc == EXACT_MOVED) {
			rc = 0;
			for (size_t i = 0; i < total; i++)
				pop[i] = -1;
		}
		for (size_t i = 0; rc == 0 && i < total; i++)
			if (kept[i] && pop[i] >= 0) {
				x[i].has_den = 1;
				x[i].den = (long)pop[i];
			}
	}
	free(pop);
	free(kept);
	return rc;
}

/* The key of a population query in the memory: its text and parameters, apart. */
static char *population_key(const char *sql, char *const *params, int np)
{
	struct strbuf k;
	sb_init(&k);
	sb_puts(&k, sql);
	for (int i = 0; i < np; i++) {
		sb_putc(&k, '\x1f');
		sb_puts(&k, params[i] ? params[i] : "\x1e");
	}
	return k.data;
}

int exact_population(PGconn *conn, struct populations *pops, long long version,
		     const struct query *q, const struct domain *dom, size_t total, double *pop,
		     struct wq_error *e)
{
	struct strbuf sql;
	char *params[MAX_PARAMS];
	int np = 0;
	for (size_t i = 0; i < total; i++)
		pop[i] = -1;
	sb_init(&sql);
	if (query_population_sql(q, &sql, params, &np) < 0) {
		sb_free(&sql);
		return 0; /* a person column the population table has not: no denominator */
	}
	char *key = pops ? population_key(sql.data, params, np) : NULL;
	const PGresult *r = key ? populations_find(pops, version, key) : NULL;
	PGresult *own = NULL;
	int moved = 0;
	if (!r) {
		/* For the memory, with the data version at which the population the statement
		 * saw (one snapshot) was written: rows are kept under the caller's version only
		 * when they were written at it or before (a period's engine reads an older
		 * version than the database's: its populations are the same until a new one is
		 * loaded, warehouse.population_written). */
		struct strbuf with;
		sb_init(&with);
		sb_printf(&with,
			  "SELECT p.*, (SELECT population_version FROM analytics.data_version) "
			  "FROM (%s) p",
			  sql.data);
		own = db_exec(conn, e, key ? with.data : sql.data, np, (const char *const *)params);
		sb_free(&with);
		if (key && own && PQntuples(own) > 0 &&
		    atoll(PQgetvalue(own, 0, PQnfields(own) - 1)) > version)
			moved = EXACT_MOVED;
		if (!moved && key && own && PQntuples(own) > 0 &&
		    (r = populations_keep(pops, version, key, own)))
			own = NULL; /* kept: held, and freed by the memory */
		else
			r = own;
	}
	free(key);
	sb_free(&sql);
	query_params_free(params, np);
	if (!r)
		return -1;
	int persons[QUERY_MAX_DIMS], npersons = 0;
	for (int i = 0; i < q->ndims; i++)
		if (q->dims[i].dim->person)
			persons[npersons++] = i;
	int idx[QUERY_MAX_DIMS] = {0};
	for (size_t c = 0; c < total; c++) {
		for (int row = 0; row < PQntuples(r); row++) {
			int same = 1;
			for (int k = 0; same && k < npersons; k++) {
				const char *v = dom[persons[k]].items[idx[persons[k]]];
				same = v && strcmp(v, PQgetvalue(r, row, k)) == 0;
			}
			if (same && !PQgetisnull(r, row, npersons)) {
				pop[c] = atof(PQgetvalue(r, row, npersons));
				break;
			}
		}
		for (int i = q->ndims - 1; i >= 0; i--) {
			if (++idx[i] < dom[i].n)
				break;
			idx[i] = 0;
		}
	}
	if (own)
		PQclear(own);
	else
		populations_release(pops, r);
	return moved;
}
