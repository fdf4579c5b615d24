/* wiqaya-server: the analytics API and dashboard. It holds no pseudonym key and connects
 * as wiqaya_reader, which cannot read the warehouse: a flaw here leaks at most what the
 * analytics tables hold. Its commands are rows of the table below (common/cli.h). Exit
 * status: 0 stopped cleanly, 2 could not start. */
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/config.h"
#include "common/log.h"
#include "server/http.h"

#define VERSION "0.1.0"

static int serve(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_config *cfg = ctx->cfg;
	struct server srv = {.cfg = cfg};
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	struct wq_error e;
	sigset_t set;
	int sig;

	/* Block the stop signals in every thread; the main thread waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	gsl_set_error_handler_off(); /* intervals are computed by stats/, which checks results */

	if (codelists_load(&srv.lists, cfg->codelists_dir, &e) < 0 ||
	    indicators_load(&srv.indicators, cfg->indicators_path, &e) < 0 ||
	    http_start(&srv, &e) < 0) {
		err_print(&e, stderr);
		codelists_free(&srv.lists);
		indicators_free(&srv.indicators);
		return 2;
	}
	log_info("listening on http://%s:%d", cfg->server_listen, cfg->server_port);
	sigwait(&set, &sig);
	log_info("stopping (signal %d)", sig);
	http_stop(&srv);
	codelists_free(&srv.lists);
	indicators_free(&srv.indicators);
	return 0;
}

static const struct cli_cmd cmds[] = {
    {"serve", "", "answer the analytics API on [server] listen:port until SIGINT or SIGTERM", 0,
     serve},
};

int main(int argc, char **argv)
{
	static const struct cli_program server = {
	    "wiqaya-server", VERSION, "reader", cmds, sizeof cmds / sizeof cmds[0], NULL, NULL};
	return cli_main(&server, argc, argv);
}
