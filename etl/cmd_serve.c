/* wiqaya-etl serve: the intake API (etl/intake/intake.h) until SIGINT or SIGTERM, in two
 * processes: the front (common/front.h), which faces the network and holds nothing, and
 * this one, which holds the keys and the loader's connections and answers the front only,
 * over a Unix socket. Loopback is always allowed; any other address only behind a TLS
 * proxy ([server] behind_tls_proxy), since tokens and cases travel in every request. */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/audit_chain.h"
#include "common/front.h"
#include "common/keyfile.h"
#include "common/log.h"
#include "common/token.h"
#include "etl/commands.h"
#include "etl/intake/intake.h"

static int check_listen(const struct wq_config *cfg, struct wq_error *e)
{
	struct in_addr a;
	if (inet_pton(AF_INET, cfg->intake_listen, &a) != 1)
		return err_set(e, "S5001", "[intake] listen \"%s\" is not an IPv4 address",
			       cfg->intake_listen);
	if ((ntohl(a.s_addr) >> 24) == 127 || cfg->behind_tls_proxy)
		return 0;
	err_set(e, "S5001", "refusing to listen on %s without TLS", cfg->intake_listen);
	err_detail(e, "Bearer tokens and cases travel in every request; off loopback they "
		      "need TLS.");
	err_hint(e, "Put a TLS proxy in front ([server] behind_tls_proxy = true), or listen = "
		    "127.0.0.1.");
	return -1;
}

static void wipe_keys(void *keys)
{
	keys_free(keys);
}

int cmd_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_config *cfg = ctx->cfg;
	struct etl_app *app = ctx->app;
	struct intake in = {.cfg = cfg, .keys = &app->keys};
	struct http_server *http = NULL;
	struct wq_error e;
	sigset_t set;
	int sig, rc = 2;
	struct front_process front = {.sock = -1, .renewals = -1};
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);

	front_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The front first, before the token key is read or a thread or connection exists. */
	struct front_options fo = {.name = "wiqaya-intake",
				   .listen = cfg->intake_listen,
				   .port = cfg->intake_port,
				   .threads = cfg->intake_threads,
				   .routes = intake_routes,
				   .nroutes = intake_nroutes,
				   .wipe = wipe_keys,
				   .wipe_arg = in.keys};
	if (check_listen(cfg, &e) < 0 || front_start(cfg, &fo, &front, &e) < 0 ||
	    codelists_load(&in.lists, cfg->codelists_dir, &e) < 0 ||
	    !(in.token_key = keyfile_read(cfg->token_key, "token key", "wiqaya-server keygen", &e)))
		goto fail;
	in.audit_key = sodium_malloc(AUDIT_KEY_BYTES);
	if (!in.audit_key)
		abort();
	audit_chain_key(in.token_key, in.audit_key);
	in.tokens = token_cache_new();
	in.watch = version_watch_start(cfg, cfg->db_loader_user, in.tokens);
	in.refresher = refresher_start(cfg);
	in.committer = committer_start(cfg, &in.lists, in.keys, in.audit_key, in.refresher);
	struct http_options o = {.name = "wiqaya-intake",
				 .listen = cfg->intake_listen,
				 .port = cfg->intake_port,
				 .threads = cfg->intake_threads,
				 .db_user = cfg->db_loader_user,
				 .db_warm = token_warm,
				 .routes = intake_routes,
				 .nroutes = intake_nroutes,
				 .app = &in,
				 .trusted_proxy = cfg->trusted_proxy,
				 .token_key = in.token_key,
				 .token_cache = in.tokens,
				 .front_pid = front.pid,
				 .front_socket = front.sock,
				 .identifying_bodies = 1};
	if (!(http = http_start(cfg, &o, &e)))
		goto fail;
	sig = front_wait(&front, &set);
	log_info("stopping (signal %d)", sig);
	if (sig == SIGCHLD)
		log_error("the front ended: stopping");
	/* No new request; those in flight finish (their groups commit) before the committer
	 * stops. */
	front_stop(&front);
	http_stop(http);
	rc = sig == SIGCHLD ? 1 : 0;
	goto out;
fail:
	err_print(&e, stderr);
	front_abandon(&front); /* nothing will answer what the front relayed meanwhile */
out:
	front_stop(&front);
	if (front.sock >= 0)
		close(front.sock);
	committer_stop(in.committer);
	refresher_stop(in.refresher);
	version_watch_stop(in.watch);
	token_cache_free(in.tokens);
	keyfile_free(in.token_key);
	sodium_free(in.audit_key);
	codelists_free(&in.lists);
	return rc;
}
