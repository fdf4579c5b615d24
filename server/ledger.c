/* The privacy budget's ledger (see ledger.h). */
#include "server/ledger.h"
#include "server/seen.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

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

void ledger_warm(PGconn *conn)
{
	/* A dry run of nothing for no token (-1: token 0 is the public's, whose ledger rows
	 * would come back): it reads what a charge reads, and records nothing. */
	PQclear(PQexec(conn, "SELECT * FROM auth.charge(-1, 0, ''::bytea, 0, 0, 1, true)"));
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

/* Sends the fresh cells to auth.charge with the row the copy is complete up to; the rows
 * it returns instead (the copy is behind) are merged, and the copy asked again. */
int ledger_charge(PGconn *conn, struct seen *seen, const struct wq_config *cfg,
		  const struct principal *who, const uint8_t *cells, size_t n, double epsilon,
		  int dry, struct charge *c, struct wq_error *e)
{
	char id[16], after[32], eps[32], budget_text[32], days[16];
	double budget = ledger_budget(cfg, who->role), total = 0, charged = 0;
	struct seen *own = seen ? NULL : (seen = seen_new(SEEN_BYTES));
	uint8_t *fresh = xmalloc(n * LEDGER_CELL_BYTES + 1);
	size_t k = 0;
	long long synced = 0;
	int rc = -1;
	memset(c, 0, sizeof *c);
	snprintf(id, sizeof id, "%d", who->token_id);
	snprintf(eps, sizeof eps, "%.17g", epsilon);
	snprintf(budget_text, sizeof budget_text, "%.17g", budget);
	snprintf(days, sizeof days, "%d", cfg->budget_days);
	for (int round = 0; round < LEDGER_ROUNDS; round++) {
		k = seen_fresh(seen, who->token_id, cells, n, fresh, &synced);
		snprintf(after, sizeof after, "%lld", synced);
		/* The cells as one binary bytea: 16 bytes each, no text form. */
		const char *p[] = {id,		after, (const char *)fresh,   eps,
				   budget_text, days,  dry ? "true" : "false"};
		int lengths[] = {0, 0, (int)(k * LEDGER_CELL_BYTES), 0, 0, 0, 0};
		int formats[] = {0, 0, 1, 0, 0, 0, 0};
		PGresult *r = PQexecParams(
		    conn, "SELECT * FROM auth.charge($1, $2, $3, $4, $5, $6, $7::boolean)", 7, NULL,
		    p, lengths, formats, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
			db_error(conn, r, "S2002", e);
			PQclear(r);
			goto out;
		}
		if (PQgetisnull(r, 0, 3)) {
			/* Rows this copy lacks (another server's charges): merged, then again. */
			for (int i = 0; i < PQntuples(r); i++) {
				size_t len;
				unsigned char *b = PQunescapeBytea(
				    (const unsigned char *)PQgetvalue(r, i, 1), &len);
				long long last = atoll(PQgetvalue(r, i, 0));
				if (b)
					seen_merge(seen, who->token_id, synced, last, b,
						   len / LEDGER_CELL_BYTES);
				synced = last;
				PQfreemem(b);
			}
			PQclear(r);
			continue;
		}
		total = atof(PQgetvalue(r, 0, 2));
		charged = atof(PQgetvalue(r, 0, 3));
		c->budget = budget = atof(PQgetvalue(r, 0, 4));
		if (charged >= 0 && !dry && k > 0)
			seen_merge(seen, who->token_id, synced, atoll(PQgetvalue(r, 0, 0)), fresh,
				   k);
		PQclear(r);
		rc = 0;
		break;
	}
	if (rc < 0) {
		err_set(e, "S2002", "the ledger of token %d kept changing while it was charged",
			who->token_id);
		goto out;
	}
	c->new_cells = k;
	if (charged < 0) {
		c->retry_after =
		    epsilon > budget ? 0 : renewal(conn, cfg, id, budget, total, epsilon, e);
		c->remaining = budget - total < 0 ? 0 : budget - total;
		rc = 1;
		goto out;
	}
	c->epsilon = charged;
	/* A dry run leaves the budget as it was: what remains before the query. */
	c->remaining = budget - total - (dry ? 0 : charged);
	if (c->remaining < 0)
		c->remaining = 0;
	seen_spent(seen, who->token_id, budget - c->remaining, budget);
out:
	free(fresh);
	seen_free(own);
	return rc;
}
