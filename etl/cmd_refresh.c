/* wiqaya-etl refresh: rebuild the analytics tables from the warehouse, or (--queued) bring
 * them up to date with the refresh queue only, as the intake's refresher does. */
#include <getopt.h>
#include <stdio.h>

#include "common/db.h"
#include "etl/commands.h"
#include "etl/load/refresher.h"

int cmd_refresh(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"queued", no_argument, NULL, 'q'},
					     {NULL, 0, NULL, 0}};
	struct wq_error e;
	int queued = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'q')
			return cli_usage_error(ctx);
		queued = 1;
	}
	if (optind < argc)
		return cli_usage_error(ctx);
	if (queued) {
		long v = 0;
		int rc = refresh_queued(ctx->conn, ctx->cfg, &v, &e);
		if (rc < 0)
			return cli_fail(&e);
		if (rc == 0)
			printf("nothing queued\n");
		else
			printf("analytics refreshed, data version %ld\n", v);
		return 0;
	}
	long v = 0;
	if (refresh_all(ctx->conn, ctx->cfg, &v, &e) < 0)
		return cli_fail(&e);
	printf("analytics rebuilt, data version %ld\n", v);
	return 0;
}
