/* wiqaya-server keygen: the server key ([keys] noise_key: noise, ledger and audit
 * subkeys) and the token key ([keys] token_key, which the intake reads too), each written
 * only where no file exists yet. */
#include <stdio.h>
#include <unistd.h>

#include "common/keyfile.h"
#include "server/commands.h"

int srv_keygen(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	const char *paths[] = {ctx->cfg->noise_key, ctx->cfg->token_key};
	const char *what[] = {"server key", "token key"};
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	for (int i = 0; i < 2; i++) {
		if (access(paths[i], F_OK) == 0) {
			printf("%s: %s exists, kept\n", what[i], paths[i]);
			continue;
		}
		if (keyfile_write(paths[i], what[i], &e) < 0)
			return cli_fail(&e);
		printf("%s: wrote %s (mode 0400)\n", what[i], paths[i]);
	}
	return 0;
}
