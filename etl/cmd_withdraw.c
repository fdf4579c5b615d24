/* wiqaya-etl withdraw BATCH: take back a batch loaded by mistake (etl/load/withdraw.h),
 * then bring the analytics up to date. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit_chain.h"
#include "common/keyfile.h"
#include "etl/commands.h"
#include "etl/load/refresher.h"
#include "etl/load/withdraw.h"

int cmd_withdraw(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	char *end;
	if (argc != 2)
		return cli_usage_error(ctx);
	/* N, or b-N as the intake's answers name a batch. */
	const char *text = strncmp(argv[1], "b-", 2) == 0 ? argv[1] + 2 : argv[1];
	long long id = strtoll(text, &end, 10);
	if (*end || id <= 0 || *text < '0' || *text > '9')
		return cli_usage_error(ctx);
	/* The audit chain's key comes from the token key, as the intake's does. */
	uint8_t *token_key =
	    keyfile_read(ctx->cfg->token_key, "token key", "wiqaya-server keygen", &e);
	if (!token_key)
		return cli_fail(&e);
	uint8_t *audit_key = sodium_malloc(AUDIT_KEY_BYTES);
	if (!audit_key)
		abort();
	audit_chain_key(token_key, audit_key);
	struct withdrawal w;
	int rc = withdraw_batch(ctx->conn, audit_key, id, "cli", 1, &w, &e);
	sodium_free(audit_key);
	keyfile_free(token_key);
	if (rc < 0)
		return cli_fail(&e);
	printf("batch %lld withdrawn: %ld cases and %ld persons removed\n", id, w.cases, w.persons);
	fflush(stdout);
	long version = 0;
	int refreshed = refresh_queued(ctx->conn, ctx->cfg, &version, &e);
	if (refreshed < 0) {
		err_print(&e, stderr);
		fprintf(stderr, "the analytics were not refreshed: the withdrawal waits in the "
				"refresh queue (wiqaya-etl refresh --queued)\n");
		return 3;
	}
	if (refreshed)
		printf("analytics: data version %ld\n", version);
	return 0;
}
