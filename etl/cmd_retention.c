/* wiqaya-etl retention: unlink children who harmed after [etl] child_retention_months. */
#include <stdio.h>

#include "etl/commands.h"
#include "etl/ops/retention.h"

int cmd_retention(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	long n = retention_run(ctx->conn, ctx->cfg->child_retention_months, &e);
	if (n < 0)
		return cli_fail(&e);
	printf("%ld children who harmed unlinked (retention %d months)\n", n,
	       ctx->cfg->child_retention_months);
	return 0;
}
