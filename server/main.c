/* wiqaya-server: the analytics API and dashboard. It holds no pseudonym key and connects
 * as wiqaya_reader, which cannot read the warehouse: a flaw here leaks at most what the
 * analytics tables hold. Its commands are rows of the table below (common/cli.h), one
 * file each (server/cmd_*.c). Exit status: 0 success, 1 a check failed (audit verify),
 * 2 could not start or bad usage. */
#include <stdlib.h>

#include "common/cli.h"
#include "server/commands.h"

#define VERSION "0.1.0"

static const struct cli_cmd cmds[] = {
    {"serve", "", "answer the analytics API on [server] listen:port until SIGINT or SIGTERM",
     CLI_KEY, srv_serve},
    {"keygen", "",
     "write the server key and the token key where they are missing (never "
     "overwrites)",
     CLI_NO_CONFIG, srv_keygen},
    {"token",
     "add --role submitter|researcher|policy|admin|monitor [--agency CODE] --name NAME [--expires "
     "YYYY-MM-DD] | list | revoke ID | budget ID EPSILON|default",
     "create (the token is printed once), list or revoke access tokens", CLI_DB | CLI_KEY,
     srv_token},
    {"audit", "verify", "check the audit log's hash chain; names the first broken row",
     CLI_DB | CLI_KEY, srv_audit},
    {"release", "create [--note TEXT] [--if-due] | list | show ID | publish ID | drop ID",
     "official releases of the published product over the agencies' approved years "
     "(docs/releases.md); audited",
     CLI_DB | CLI_KEY, srv_release},
    {"period", "new | list",
     "the periods tokens are answered in, one data version each (docs/privacy.md, "
     "\"Periods\"): start one now, or list them; audited",
     CLI_DB | CLI_KEY, srv_period},
    {"export", "uncts --year YEAR [--release N] [--out DIR]",
     "the UN-CTS return of a year from an official release: DIR/uncts-YEAR.xlsx and .csv "
     "(docs/releases.md)",
     CLI_DB | CLI_KEY, srv_export},
};

static int open_keys(struct cli_ctx *ctx, struct wq_error *e)
{
	struct server_app *app = calloc(1, sizeof *app);
	if (!app || keyring_load(&app->keys, ctx->cfg, e) < 0) {
		free(app);
		return -1;
	}
	ctx->app = app;
	return 0;
}

static void close_keys(struct cli_ctx *ctx)
{
	struct server_app *app = ctx->app;
	keyring_free(&app->keys);
	free(app);
	ctx->app = NULL;
}

int main(int argc, char **argv)
{
	static const struct cli_program server = {
	    "wiqaya-server", VERSION,	"reader", cmds, sizeof cmds / sizeof cmds[0],
	    open_keys,	     close_keys};
	return cli_main(&server, argc, argv);
}
