/* wiqaya-etl keygen [FILE] and fingerprint [FILE]: the pseudonymisation key. */
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
	/* The configured key's, or FILE's: the escrow's recovery checks a key it has not
	 * installed (scripts/key_escrow.sh). */
	struct keys k;
	struct wq_error e;
	char fp[17];
	if (argc > 2)
		return cli_usage_error(ctx);
	if (keys_load(&k, argc == 2 ? argv[1] : ctx->cfg->pseudonym_key, &e) < 0)
		return cli_fail(&e);
	keys_fingerprint(&k, fp);
	keys_free(&k);
	printf("%s\n", fp);
	return 0;
}
