/* wiqaya-server period new|list: the periods tokens are answered in (server/period.h,
 * docs/privacy.md "Periods"). A period starts by itself once a calendar period of
 * [disclosure] release_days; `new` starts one now at the data version of the moment, for
 * an admin who wants researchers to see a correction before the calendar's turn (every
 * cell is then drawn and charged anew, as at any period). Audited. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "server/audit.h"
#include "server/commands.h"
#include "server/period.h"

static int start(struct cli_ctx *ctx)
{
	struct server_app *app = ctx->app;
	struct wq_error e;
	struct data_period latest, per;
	int started;
	if (db_run(ctx->conn, &e, "BEGIN", 0, NULL) < 0 ||
	    period_latest(ctx->conn, &latest, &e) < 0 ||
	    (started = period_start(ctx->conn, NULL, ctx->cfg, latest.id, 0, "admin", &per, &e)) < 0)
		goto fail;
	if (!started) { /* a server's, at the same moment: it is the new one */
		PQclear(PQexec(ctx->conn, "ROLLBACK"));
		printf("period %lld was started by a server meanwhile: tokens are answered from "
		       "data version %lld\n",
		       per.id, per.version);
		return 0;
	}
	json_t *j = json_pack("{s:s,s:I,s:I}", "action", "new", "period", (json_int_t)per.id,
			      "data_version", (json_int_t)per.version);
	char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	int rc = audit_append(ctx->conn, app->keys.audit, "period", body, &e);
	free(body);
	if (rc < 0 || db_run(ctx->conn, &e, "COMMIT", 0, NULL) < 0)
		goto fail;
	printf("period %lld: tokens are answered from data version %lld\n", per.id, per.version);
	return 0;
fail:
	PQclear(PQexec(ctx->conn, "ROLLBACK"));
	return cli_fail(&e);
}

static int list(struct cli_ctx *ctx)
{
	struct wq_error e;
	PGresult *r = db_exec(ctx->conn, &e,
			      "SELECT id, data_version, reason, to_char(started_at AT TIME ZONE "
			      "'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM auth.period ORDER BY id",
			      0, NULL);
	if (!r)
		return cli_fail(&e);
	printf("id\tdata_version\treason\tstarted (UTC)\n");
	for (int i = 0; i < PQntuples(r); i++)
		printf("%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
	PQclear(r);
	return 0;
}

int srv_period(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "new") == 0)
		return start(ctx);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return list(ctx);
	return cli_usage_error(ctx);
}
