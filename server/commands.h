/* wiqaya-server's commands, one file each (server/cmd_*.c), rows of main.c's table. The
 * program's resources (app) are its keys, opened for commands that need CLI_KEY. */
#ifndef WQ_SERVER_COMMANDS_H
#define WQ_SERVER_COMMANDS_H

#include "common/cli.h"
#include "server/keyring.h"

struct server_app {
	struct keyring keys;
};

int srv_serve(struct cli_ctx *ctx, int argc, char **argv);
int srv_keygen(struct cli_ctx *ctx, int argc, char **argv);
int srv_token(struct cli_ctx *ctx, int argc, char **argv);
int srv_audit(struct cli_ctx *ctx, int argc, char **argv);
int srv_release(struct cli_ctx *ctx, int argc, char **argv);
int srv_export(struct cli_ctx *ctx, int argc, char **argv);
int srv_period(struct cli_ctx *ctx, int argc, char **argv);

#endif
