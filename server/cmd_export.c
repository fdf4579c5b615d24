/* wiqaya-server export uncts --year Y [--release N] [--out DIR]: the UN-CTS return of a
 * year from an official release (server/uncts.h, docs/releases.md): DIR/uncts-Y.xlsx,
 * laid out as the questionnaire's tables, and DIR/uncts-Y.csv, the same numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/commands.h"
#include "server/product.h"
#include "server/uncts.h"

int srv_export(struct cli_ctx *ctx, int argc, char **argv)
{
	struct server_app *app = ctx->app;
	const char *year = NULL, *release = "0", *dir = ".";
	if (argc < 2 || strcmp(argv[1], "uncts") != 0)
		return cli_usage_error(ctx);
	for (int i = 2; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--year")	   ? &year
				   : !strcmp(argv[i], "--release") ? &release
				   : !strcmp(argv[i], "--out")	   ? &dir
								   : NULL;
		if (!dst || i + 1 >= argc)
			return cli_usage_error(ctx);
		*dst = argv[++i];
	}
	char *end;
	long y = year ? strtol(year, &end, 10) : 0;
	if (!year || *end || y < 1900 || y > 2200)
		return cli_usage_error(ctx);
	long r = strtol(release, &end, 10);
	if (*end || r < 0 || r > 1000000)
		return cli_usage_error(ctx);
	/* The return reads official releases, whatever the server's calendar. */
	struct wq_config cfg = *ctx->cfg;
	cfg.official_releases = 1;
	struct wq_error e;
	struct product_files f;
	int rc = product_files_load(&f, &cfg, &app->keys, &e);
	struct protector p = {&cfg, &app->keys, &f.lists, NULL, NULL, NULL, f.product, NULL};
	struct uncts_source src = {&p, &f.indicators, &f.lists, cfg.default_id_country};
	if (rc == 0)
		rc = uncts_write(&src, ctx->conn, (int)y, (int)r, dir, &e);
	if (rc == 0)
		printf("%s/uncts-%ld.xlsx and %s/uncts-%ld.csv written\n", dir, y, dir, y);
	product_files_free(&f);
	return rc < 0 ? cli_fail(&e) : 0;
}
