/* The command line of wiqaya-etl and wiqaya-server: `PROGRAM [-c CONFIG] COMMAND [ARGS]`,
 * with --help and --version, and `PROGRAM COMMAND --help` for one command. A command is
 * a row of the program's table: its name, usage and summary (the help is printed from
 * them, so it cannot go stale), what it needs (flags) and the function that runs it. */
#ifndef WQ_CLI_H
#define WQ_CLI_H

#include <libpq-fe.h>
#include <stddef.h>

#include "common/config.h"

/* What a command needs before it runs; the program opens and closes it. */
enum {
	CLI_NO_CONFIG = 1 << 0, /* runs on the defaults when there is no configuration file */
	CLI_DB_ADMIN = 1 << 1,	/* a connection as [database] admin_user (migrations) */
	CLI_DB = 1 << 2,	/* a connection as the program's own role */
	CLI_KEY = 1 << 3,	/* the program's key (wiqaya-etl: the pseudonymisation key) */
};

/* What a command gets: the configuration, its connection (CLI_DB*), and the program's
 * own resources (app: its key, say). */
struct cli_ctx {
	struct wq_config *cfg;
	PGconn *conn;
	void *app;
	const struct cli_cmd *cmd;
	const char *program;
};

struct cli_cmd {
	const char *name, *usage, *summary;
	unsigned needs;
	/* Returns the exit status. argv[0] is the command's name. */
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
	const char *help; /* what COMMAND --help prints after the summary; NULL: nothing */
};

struct cli_program {
	const char *name, *version;
	const char *db_role; /* [database] user of CLI_DB: loader or reader */
	const struct cli_cmd *cmds;
	size_t ncmds;
	/* Opens the program's resources a command needs (CLI_KEY); NULL when it has none.
	 * Returns 0, or -1 with e set. close releases them. */
	int (*open)(struct cli_ctx *ctx, struct wq_error *e);
	void (*close)(struct cli_ctx *ctx);
};

/* Runs the program: exit status 0 success, 2 bad usage or a fatal error (printed), or
 * what the command returns. */
int cli_main(const struct cli_program *p, int argc, char **argv);

/* Prints the command's usage line to stderr and returns 2: for a command's bad usage. */
int cli_usage_error(const struct cli_ctx *ctx);

/* Prints e to stderr and returns 2. */
int cli_fail(const struct wq_error *e);

#endif
