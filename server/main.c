/* wiqaya-server: the analytics API and dashboard. It holds no pseudonym key and connects
 * as wiqaya_reader, which cannot read the warehouse: a flaw here leaks at most what the
 * analytics tables hold. */
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "server/http.h"

#define VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: wiqaya-server [-c CONFIG] serve\n\n"
	       "  serve   answer the analytics API on [server] listen:port until SIGINT/SIGTERM\n\n"
	       "exit status: 0 stopped cleanly, 2 could not start\n");
}

static int serve(struct wq_config *cfg)
{
	struct server srv = {.cfg = cfg};
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

int main(int argc, char **argv)
{
	const char *conf = getenv("WIQAYA_CONF") ? getenv("WIQAYA_CONF") : "config/wiqaya.conf";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("wiqaya-server %s\n", VERSION);
			return 0;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			conf = argv[++i];
			continue;
		}
		usage(stderr);
		return 2;
	}
	if (i >= argc || strcmp(argv[i], "serve") != 0) {
		usage(stderr);
		return 2;
	}
	struct wq_config cfg;
	struct wq_error e;
	if (config_load(&cfg, conf, &e) < 0) {
		err_print(&e, stderr);
		config_free(&cfg);
		return 2;
	}
	enum log_level level = LOG_INFO;
	log_level_parse(cfg.log_level, &level);
	log_init("wiqaya-server", level);
	int rc = serve(&cfg);
	config_free(&cfg);
	return rc;
}
