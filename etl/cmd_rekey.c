/* wiqaya-etl rekey: rotate the storage key over every stored pseudonym (docs/privacy.md). */
#include <stdio.h>

#include "etl/commands.h"
#include "etl/ops/rekey.h"

int cmd_rekey(struct cli_ctx *ctx, int argc, char **argv)
{
	struct etl_app *app = ctx->app;
	struct wq_error e;
	long rows;
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	int v = rekey_run(ctx->conn, &app->keys, &rows, &e);
	if (v < 0)
		return cli_fail(&e);
	printf("storage key rotated to version %d: %ld stored values re-hashed\n", v, rows);
	return 0;
}
