/* The privacy budget's ledger (see ledger.h). */
#include "server/ledger.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/strbuf.h"

double ledger_budget(const struct wq_config *cfg, enum role role)
{
	switch (role) {
	case ROLE_RESEARCHER:
		return cfg->budget_researcher;
	case ROLE_POLICY:
		return cfg->budget_policy;
	case ROLE_ADMIN:
		return cfg->budget_admin;
	case ROLE_PUBLIC:
		return cfg->budget_public;
	case ROLE_SUBMITTER:
		break;
	}
	return 0;
}

static double spent(PGconn *conn, const struct wq_config *cfg, const char *id, int *ok,
		    struct wq_error *e)
{
	char days[16];
	snprintf(days, sizeof days, "%d", cfg->budget_days);
	const char *p[] = {id, days};
	PGresult *r = db_exec(conn, e,
			      "SELECT coalesce(sum(epsilon), 0) FROM auth.spend WHERE token_id = $1 "
			      "AND at > now() - make_interval(days => $2::int)",
			      2, p);
	*ok = r != NULL;
	double v = r ? atof(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return v;
}

int ledger_remaining(PGconn *conn, const struct wq_config *cfg, const struct principal *who,
		     double *remaining, struct wq_error *e)
{
	char id[16];
	int ok;
	snprintf(id, sizeof id, "%d", who->token_id);
	double s = spent(conn, cfg, id, &ok, e);
	*remaining = ledger_budget(cfg, who->role) - s;
	if (*remaining < 0)
		*remaining = 0;
	return ok ? 0 : -1;
}

/* Seconds until the charges that must expire for epsilon to fit have left the window. */
static int renewal(PGconn *conn, const struct wq_config *cfg, const char *id, double budget,
		   double total, double epsilon, struct wq_error *e)
{
	char days[16];
	snprintf(days, sizeof days, "%d", cfg->budget_days);
	const char *p[] = {id, days};
	PGresult *r = db_exec(conn, e,
			      "SELECT epsilon, extract(epoch FROM at + make_interval(days => "
			      "$2::int) - now()) FROM auth.spend WHERE token_id = $1 AND at > now() "
			      "- make_interval(days => $2::int) ORDER BY at",
			      2, p);
	int secs = cfg->budget_days * 86400;
	for (int i = 0; r && i < PQntuples(r); i++) {
		total -= atof(PQgetvalue(r, i, 0));
		if (total + epsilon <= budget + 1e-9) {
			secs = (int)ceil(atof(PQgetvalue(r, i, 1)));
			break;
		}
	}
	PQclear(r);
	return secs < 1 ? 1 : secs;
}

int ledger_charge(PGconn *conn, const struct wq_config *cfg, const struct principal *who,
		  const uint8_t *cells, size_t n, double epsilon, struct charge *c,
		  struct wq_error *e)
{
	char id[16], eps[32];
	struct strbuf arr;
	double budget = ledger_budget(cfg, who->role);
	int ok;
	memset(c, 0, sizeof *c);
	snprintf(id, sizeof id, "%d", who->token_id);
	snprintf(eps, sizeof eps, "%.17g", epsilon);
	/* The identities as a bytea[] literal: {"\\x..","\\x.."}. */
	sb_init(&arr);
	sb_putc(&arr, '{');
	for (size_t i = 0; i < n; i++) {
		char hex[2 * LEDGER_CELL_BYTES + 1];
		sodium_bin2hex(hex, sizeof hex, cells + i * LEDGER_CELL_BYTES, LEDGER_CELL_BYTES);
		sb_printf(&arr, "%s\"\\\\x%s\"", i ? "," : "", hex);
	}
	sb_putc(&arr, '}');
	const char *p1[] = {id};
	const char *p2[] = {id, arr.data};
	PGresult *r = NULL;
	int rc = -1;
	/* One token's charges are serialised by its row lock: two concurrent queries cannot
	 * both spend the last of a budget. */
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0 ||
	    db_run(conn, e, "SELECT 1 FROM auth.token WHERE token_id = $1 FOR UPDATE", 1, p1) < 0)
		goto out;
	double total = spent(conn, cfg, id, &ok, e);
	if (!ok)
		goto out;
	r = db_exec(conn, e,
		    "INSERT INTO auth.released (token_id, cell) SELECT $1, c FROM "
		    "unnest($2::bytea[]) c ON CONFLICT DO NOTHING",
		    2, p2);
	if (!r)
		goto out;
	c->new_cells = strtoul(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	r = NULL;
	if (c->new_cells > 0 && total + epsilon > budget + 1e-9) {
		c->retry_after = epsilon > budget ? 0 : renewal(conn, cfg, id, budget, total, epsilon, e);
		c->remaining = budget - total < 0 ? 0 : budget - total;
		rc = 1;
		goto out;
	}
	if (c->new_cells > 0) {
		const char *p3[] = {id, eps};
		if (db_run(conn, e, "INSERT INTO auth.spend (token_id, epsilon) VALUES ($1, $2)", 2,
			   p3) < 0)
			goto out;
		c->epsilon = epsilon;
	}
	if (db_run(conn, e, "COMMIT", 0, NULL) < 0)
		goto out;
	c->remaining = budget - total - c->epsilon;
	if (c->remaining < 0)
		c->remaining = 0;
	sb_free(&arr);
	return 0;
out:
	PQclear(r);
	PQclear(PQexec(conn, "ROLLBACK"));
	sb_free(&arr);
	return rc;
}
