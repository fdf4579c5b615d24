/* wiqaya-etl refresh: rebuild the analytics tables from the warehouse. */
#include <stdio.h>

#include "common/db.h"
#include "etl/commands.h"

int cmd_refresh(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	PGresult *res = db_exec(ctx->conn, &e, "SELECT warehouse.rebuild_analytics()", 0, NULL);
	if (!res)
		return cli_fail(&e);
	printf("analytics rebuilt, data version %s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
