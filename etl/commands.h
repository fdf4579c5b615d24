/* The subcommands of wiqaya-etl, one file each (etl/cmd_*.c); the table in etl/main.c
 * names them. A subcommand is a row there and a file here. */
#ifndef WQ_COMMANDS_H
#define WQ_COMMANDS_H

#include "common/cli.h"
#include "etl/pseudonym/keys.h"

/* What wiqaya-etl opens for a command with CLI_KEY: the pseudonymisation key. */
struct etl_app {
	struct keys keys;
};

int cmd_keygen(struct cli_ctx *ctx, int argc, char **argv);
int cmd_fingerprint(struct cli_ctx *ctx, int argc, char **argv);
int cmd_migrate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_load(struct cli_ctx *ctx, int argc, char **argv);
extern const char load_help[]; /* wiqaya-etl load --help */
int cmd_refresh(struct cli_ctx *ctx, int argc, char **argv);
int cmd_withdraw(struct cli_ctx *ctx, int argc, char **argv);
int cmd_serve(struct cli_ctx *ctx, int argc, char **argv);
int cmd_rekey(struct cli_ctx *ctx, int argc, char **argv);
int cmd_retention(struct cli_ctx *ctx, int argc, char **argv);
int cmd_quality(struct cli_ctx *ctx, int argc, char **argv);
int cmd_approve(struct cli_ctx *ctx, int argc, char **argv);
int cmd_approvals(struct cli_ctx *ctx, int argc, char **argv);

#endif
