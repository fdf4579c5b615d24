/* wiqaya-server: the analytics API and dashboard. It holds no pseudonym key and connects
 * as wiqaya_reader, which cannot read the warehouse: a flaw here leaks at most what the
 * analytics tables hold. Its commands are rows of the table below (common/cli.h). Exit
 * status: 0 stopped cleanly, 2 could not start. */
#include <arpa/inet.h>
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/config.h"
#include "common/log.h"
#include "common/http.h"
#include "server/routes.h"
#include "server/server.h"

#define VERSION "0.1.0"

/* The policy of this server: loopback only until disclosure control exists. */
static int check_listen(const char *listen, struct wq_error *e)
{
	struct in_addr a;
	if (inet_pton(AF_INET, listen, &a) != 1)
		return err_set(e, "S5001", "[server] listen \"%s\" is not an IPv4 address", listen);
	if ((ntohl(a.s_addr) >> 24) != 127) {
		err_set(e, "S5001", "refusing to listen on %s", listen);
		err_detail(e, "Published numbers are not yet under disclosure control.");
		err_hint(e, "Set [server] listen = 127.0.0.1.");
		return -1;
	}
	return 0;
}

static int serve(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_config *cfg = ctx->cfg;
	struct server srv = {.cfg = cfg};
	struct http_server *http = NULL;
	struct wq_error e;
	sigset_t set;
	int sig;
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);

	/* Block the stop signals in every thread; the main thread waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	gsl_set_error_handler_off(); /* intervals are computed by stats/, which checks results */

	struct http_options o = {.name = "wiqaya-server",
				 .listen = cfg->server_listen,
				 .port = cfg->server_port,
				 .threads = cfg->server_threads,
				 .db_user = cfg->db_reader_user,
				 .routes = server_routes,
				 .nroutes = server_nroutes,
				 .app = &srv,
				 .trusted_proxy = cfg->trusted_proxy};
	if (check_listen(cfg->server_listen, &e) < 0 ||
	    codelists_load(&srv.lists, cfg->codelists_dir, &e) < 0 ||
	    indicators_load(&srv.indicators, cfg->indicators_path, &e) < 0 ||
	    !(http = http_start(cfg, &o, &e))) {
		err_print(&e, stderr);
		codelists_free(&srv.lists);
		indicators_free(&srv.indicators);
		return 2;
	}
	log_info("listening on http://%s:%d", cfg->server_listen, cfg->server_port);
	sigwait(&set, &sig);
	log_info("stopping (signal %d)", sig);
	http_stop(http);
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
