/* wiqaya-etl: the only program that holds the pseudonymisation key. Its subcommands are
 * rows of the table below (name, usage, summary, what they need, the function), one file
 * each (etl/cmd_*.c); common/cli.c parses the command line, prints the help from the
 * table and opens what a row needs. Exit status: 0 success, 1 some records rejected,
 * 2 nothing done (fatal error or bad usage). */
#include <stdlib.h>

#include "common/cli.h"
#include "etl/commands.h"

#define VERSION "0.1.0"

static const struct cli_cmd cmds[] = {
    {"keygen", "[FILE]", "write a new pseudonymisation key (never overwrites)", CLI_NO_CONFIG,
     cmd_keygen},
    {"fingerprint", "[FILE]", "print the public fingerprint of the key (or of FILE's)", 0,
     cmd_fingerprint},
    {"migrate", "", "apply the database migrations", CLI_DB_ADMIN, cmd_migrate},
    {"load",
     "[--atomic] [--rejects FILE] [--no-refresh] [--format ndjson|csv] [--population] FILE...",
     "validate, pseudonymise and load case files (NDJSON or CSV, gzip or not; - for stdin)",
     CLI_DB | CLI_KEY, cmd_load, load_help},
    {"withdraw", "BATCH (N or b-N)",
     "take back a batch loaded by mistake: its cases and the persons only it named, as if "
     "never loaded (refused, S3008, when that cannot be exact); audited",
     CLI_DB, cmd_withdraw},
    {"refresh", "[--queued]",
     "rebuild the analytics tables (--queued: only what the refresh queue holds)", CLI_DB,
     cmd_refresh},
    {"serve", "", "serve the intake API ([intake] listen and port) until SIGINT or SIGTERM",
     CLI_KEY, cmd_serve},
    {"rekey", "", "rotate the storage key over every stored pseudonym", CLI_DB | CLI_KEY,
     cmd_rekey},
    {"retention", "", "unlink children who harmed after [etl] child_retention_months", CLI_DB,
     cmd_retention},
    {"quality", "[--agency CODE] [--format text|csv]",
     "each agency's months: cases, gaps, outliers, delays; rejected records", CLI_DB, cmd_quality},
    {"approve", "AGENCY YEAR|FROM-TO",
     "approve an agency's cases of a year (or years) for the official releases (docs/releases.md); "
     "audited",
     CLI_DB, cmd_approve},
    {"approvals", "[AGENCY]", "the approvals, and which a later change reopened", CLI_DB,
     cmd_approvals},
};

static int open_key(struct cli_ctx *ctx, struct wq_error *e)
{
	struct etl_app *app = calloc(1, sizeof *app);
	if (!app || keys_load(&app->keys, ctx->cfg->pseudonym_key, e) < 0) {
		free(app);
		return -1;
	}
	ctx->app = app;
	return 0;
}

static void close_key(struct cli_ctx *ctx)
{
	struct etl_app *app = ctx->app;
	keys_free(&app->keys);
	free(app);
	ctx->app = NULL;
}

int main(int argc, char **argv)
{
	static const struct cli_program etl = {
	    "wiqaya-etl", VERSION,  "loader", cmds, sizeof cmds / sizeof cmds[0],
	    open_key,	  close_key};
	return cli_main(&etl, argc, argv);
}
