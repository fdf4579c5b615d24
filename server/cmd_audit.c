/* wiqaya-server audit verify: recomputes the audit chain; exit 0 when every row holds,
 * 1 naming the first broken row (edited, or the one after a deleted row). */
#include <stdio.h>
#include <string.h>

#include "server/audit.h"
#include "server/commands.h"

int srv_audit(struct cli_ctx *ctx, int argc, char **argv)
{
	struct server_app *app = ctx->app;
	struct wq_error e;
	long long seq = 0, rows = 0;
	char why[160];
	if (argc != 2 || strcmp(argv[1], "verify") != 0)
		return cli_usage_error(ctx);
	int rc = audit_verify(ctx->conn, app->keys.audit, &seq, &rows, why, sizeof why, &e);
	if (rc < 0)
		return cli_fail(&e);
	if (rc == 1) {
		printf("audit chain broken at row %lld: %s\n", seq, why);
		return 1;
	}
	printf("audit chain intact: %lld rows\n", rows);
	return 0;
}
