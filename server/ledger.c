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
	case ROLE_MONITOR:
		break;
	}
	return 0;
}

int ledger_remaining(PGconn *conn, const struct wq_config *cfg, const struct principal *who,
		     double *remaining, double *budget, struct wq_error *e)
{
	char id[16], days[16];
	snprintf(id, sizeof id, "%d", who->token_id);
	snprintf(days, sizeof days, "%d", cfg->budget_days);
	const char *p[] = {id, days};
	/* The token's own budget (NULL: its role's) and its spend, in one round trip. */
	PGresult *r = db_exec(conn, e,
			      "SELECT (SELECT budget FROM auth.token WHERE token_id = $1), "
			      "coalesce(sum(epsilon), 0) FROM auth.spend WHERE token_id = $1 "
			      "AND at > now() - make_interval(days => $2::int)",
			      2, p);
	if (!r)
		return -1;
	*budget = PQgetisnull(r, 0, 0) ? ledger_budget(cfg, who->role) : atof(PQgetvalue(r, 0, 0));
	*remaining = *budget - atof(PQgetvalue(r, 0, 1));
	PQclear(r);
	if (*remaining < 0)
		*remaining = 0;
	return 0;
}

/* Seconds until the charges that must expire for epsilon to fit have left the window. */
static int renewal(PGconn *conn, const struct wq_config *cfg, const char *id, double budget,
		   double total, double epsilon, struct wq_error *e)
{
	char days[16];
	snprintf(days, sizeof days, "%d", cfg->budget_days);
	const char *p[] = {id, days};
	PGresult *r =
	    db_exec(conn, e,
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
		  const uint8_t *cells, size_t n, double epsilon, int dry, struct charge *c,
		  struct wq_error *e)
{
	char id[16], eps[32], budget_text[32], days[16];
	struct strbuf arr;
	double budget = ledger_budget(cfg, who->role);
	memset(c, 0, sizeof *c);
	snprintf(id, sizeof id, "%d", who->token_id);
	snprintf(eps, sizeof eps, "%.17g", epsilon);
	snprintf(budget_text, sizeof budget_text, "%.17g", budget);
	snprintf(days, sizeof days, "%d", cfg->budget_days);
	/* The identities as a bytea[] literal: {"\\x..","\\x.."}. */
	sb_init(&arr);
	sb_putc(&arr, '{');
	for (size_t i = 0; i < n; i++) {
		char hex[2 * LEDGER_CELL_BYTES + 1];
		sodium_bin2hex(hex, sizeof hex, cells + i * LEDGER_CELL_BYTES, LEDGER_CELL_BYTES);
		sb_printf(&arr, "%s\"\\\\x%s\"", i ? "," : "", hex);
	}
	sb_putc(&arr, '}');
	/* One statement (sql/functions/auth.charge.sql): a repeat reads without the token's lock; a
	 * new cell takes it, so two concurrent queries cannot both spend the last of a budget. */
	const char *p[] = {id, arr.data, eps, budget_text, days, dry ? "true" : "false"};
	PGresult *r = db_exec(
	    conn, e, "SELECT * FROM auth.charge($1, $2::bytea[], $3, $4, $5, $6::boolean)", 6, p);
	sb_free(&arr);
	if (!r)
		return -1;
	c->new_cells = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	double total = atof(PQgetvalue(r, 0, 1)), charged = atof(PQgetvalue(r, 0, 2));
	c->budget = budget = atof(PQgetvalue(r, 0, 3));
	PQclear(r);
	if (charged < 0) {
		c->retry_after =
		    epsilon > budget ? 0 : renewal(conn, cfg, id, budget, total, epsilon, e);
		c->remaining = budget - total < 0 ? 0 : budget - total;
		return 1;
	}
	c->epsilon = charged;
	/* A dry run leaves the budget as it was: what remains before the query. */
	c->remaining = budget - total - (dry ? 0 : charged);
	if (c->remaining < 0)
		c->remaining = 0;
	return 0;
}
