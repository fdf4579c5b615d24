/* wiqaya-etl keygen [FILE] and fingerprint: the pseudonymisation key. */
#include <stdio.h>

#include "etl/commands.h"

int cmd_keygen(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	if (argc > 2)
		return cli_usage_error(ctx);
	const char *path = argc > 1 ? argv[1] : ctx->cfg->pseudonym_key;
	if (keys_generate(path, &e) < 0)
		return cli_fail(&e);
	printf("wrote a new key to %s (mode 0400)\n", path);
	return 0;
}

int cmd_fingerprint(struct cli_ctx *ctx, int argc, char **argv)
{
	struct etl_app *app = ctx->app;
	char fp[17];
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	keys_fingerprint(&app->keys, fp);
	printf("%s\n", fp);
	return 0;
}
