/* wiqaya-etl migrate: the numbered migrations of sql/migrations, as the admin user. */
#include <stdio.h>

#include "etl/commands.h"
#include "etl/migrate.h"

int cmd_migrate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	int n = migrate_run(ctx->conn, ctx->cfg->migrations_dir, &e);
	if (n < 0)
		return cli_fail(&e);
	printf("%d migration%s applied\n", n, n == 1 ? "" : "s");
	return 0;
}
