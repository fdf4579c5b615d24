/* wiqaya-server serve: the analytics API until SIGINT or SIGTERM, in two processes: the
 * front (common/front.h), which faces the network and holds nothing, and this one, the
 * data process, which holds the keys and the analytics and answers the front only, over a
 * Unix socket. Loopback is always allowed; any other address only with TLS ([server]
 * tls_cert and tls_key, served by libmicrohttpd) or behind a TLS proxy ([server]
 * behind_tls_proxy = true), since tokens travel in every request. */
#include <arpa/inet.h>
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/front.h"
#include "common/http.h"
#include "common/strbuf.h"
#include "common/token.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "server/cache.h"
#include "server/commands.h"
#include "server/engine.h"
#include "server/ledger.h"
#include "server/noise.h"
#include "server/openapi.h"
#include "server/populations.h"
#include "server/routes.h"
#include "server/product.h"
#include "server/seen.h"
#include "common/version.h"
#include "server/server.h"

static int check_listen(const struct wq_config *cfg, struct wq_error *e)
{
	struct in_addr a;
	if (inet_pton(AF_INET, cfg->server_listen, &a) != 1)
		return err_set(e, "S5001", "[server] listen \"%s\" is not an IPv4 address",
			       cfg->server_listen);
	int tls = cfg->tls_cert[0] && cfg->tls_key[0];
	if ((ntohl(a.s_addr) >> 24) == 127 || tls || cfg->behind_tls_proxy)
		return 0;
	err_set(e, "S5001", "refusing to listen on %s without TLS", cfg->server_listen);
	err_detail(e, "Bearer tokens travel in every request; off loopback they need TLS.");
	err_hint(e, "Set [server] tls_cert and tls_key (PEM files), or behind_tls_proxy = true "
		    "when a TLS proxy terminates the connections, or listen = 127.0.0.1.");
	return -1;
}

/* The server's role must be as the migrations left it: no session defaults where its
 * sessions run, in every database or this one (any role may ALTER ROLE itself SET ...,
 * which no privilege prevents: a holder of its credentials could weaken the next session;
 * a default for another database weakens none of them, and another server's test sets
 * one there) and no way to create objects. */
static int check_role(const struct wq_config *cfg, struct keyring *keys, struct wq_error *e)
{
	PGconn *conn = db_connect(cfg, cfg->db_reader_user, e);
	if (!conn) {
		/* The server starts without its database (and answers 503 until it is back);
		 * the role is checked at the next start, the noise's scales by the first answer
		 * (protect.h). */
		log_warning("%s: %s; the role's settings are not checked", e->code, e->message);
		return 0;
	}
	PGresult *r =
	    db_exec(conn, e,
		    "SELECT (SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r "
		    "ON r.oid = s.setrole WHERE r.rolname = current_user AND s.setdatabase "
		    "IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))), "
		    "has_database_privilege(current_database(), 'TEMP')",
		    0, NULL);
	int rc = 0;
	if (!r) {
		rc = -1;
	} else if (atoi(PQgetvalue(r, 0, 0)) > 0) {
		rc = err_set(e, "S5004", "the role %s has session defaults (ALTER ROLE ... SET)",
			     cfg->db_reader_user);
		err_detail(e, "Nothing in the migrations sets them: someone holding the role's "
			      "credentials may have.");
		err_hint(e, "Inspect and clear them as the admin: ALTER ROLE %s RESET ALL.",
			 cfg->db_reader_user);
	} else if (PQgetvalue(r, 0, 1)[0] == 't') {
		rc = err_set(e, "S5004", "the role %s may create temporary objects",
			     cfg->db_reader_user);
		err_hint(e, "Run wiqaya-etl migrate.");
	}
	PQclear(r);
	/* And the noise key publishes under the scales it always has. */
	if (rc == 0)
		rc = noise_rules_check(conn, cfg, keys, e);
	PQfinish(conn);
	return rc;
}

/* A request's first statements on a connection made at start: the token's lookup and the
 * ledger's charge. */
static void warm(PGconn *conn)
{
	token_warm(conn);
	ledger_warm(conn);
}

static void wipe_keys(void *keys)
{
	keyring_free(keys);
}

int srv_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_config *cfg = ctx->cfg;
	struct server_app *app = ctx->app;
	struct server srv = {.cfg = cfg, .keys = app->keys};
	struct http_server *http = NULL;
	struct wq_error e;
	struct token_cache *tokens = NULL;
	int rc = 2;
	struct front_process front = {.sock = -1, .renewals = -1};
	sigset_t set;
	int sig;
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);

	/* Block the stop signals in every thread; the main thread waits for them, for the
	 * front's end (SIGCHLD: without it nothing is served, so the server stops) and for
	 * SIGHUP (a renewed certificate: front_wait). */
	front_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	gsl_set_error_handler_off(); /* intervals are computed by stats/, which checks results */

	/* The front first, before a connection, a thread or a row exists to be copied. */
	struct front_options fo = {.name = "wiqaya-server",
				   .listen = cfg->server_listen,
				   .port = cfg->server_port,
				   .threads = cfg->server_threads,
				   .routes = server_routes,
				   .nroutes = server_nroutes,
				   .tls_cert = cfg->tls_cert,
				   .tls_key = cfg->tls_key,
				   .wipe = wipe_keys,
				   .wipe_arg = &app->keys};
	if (check_listen(cfg, &e) < 0 || front_start(cfg, &fo, &front, &e) < 0 ||
	    check_role(cfg, &srv.keys, &e) < 0 ||
	    codelists_load(&srv.lists, cfg->codelists_dir, &e) < 0 ||
	    indicators_load(&srv.indicators, cfg->indicators_path, &e) < 0 ||
	    standards_load(&srv.standards, cfg->standards_path, &srv.lists, &e) < 0 ||
	    costs_load(&srv.costs, cfg->costs_path, &srv.lists, &e) < 0 ||
	    !(srv.openapi = openapi_load(cfg->openapi_path, &e)) ||
	    public_load(&srv.public, cfg->public_tables, cfg, &srv.indicators, &srv.lists,
			&srv.standards, &e) < 0 ||
	    web_load(&srv.web, cfg->web_dir, &e) < 0 ||
	    (srv.web.n && web_embed(&srv.web, cfg->embed_ancestors, &e) < 0))
		goto fail;
	tokens = token_cache_new();
	srv.protector = (struct protector){cfg,
					   &srv.keys,
					   &srv.lists,
					   cache_new((size_t)cfg->cache_mb << 20),
					   version_watch_start(cfg, cfg->db_reader_user, tokens),
					   seen_new(SEEN_BYTES),
					   product_new(cfg, &srv.keys, &srv.lists, &srv.public),
					   NULL};
	srv.protector.engine = engine_start(cfg, srv.protector.version);
	srv.protector.populations = populations_new(POPULATIONS_BYTES);
	srv.audit = audit_start(cfg, srv.keys.audit);
	struct http_options o = {.name = "wiqaya-server",
				 .listen = cfg->server_listen,
				 .port = cfg->server_port,
				 .threads = cfg->server_threads,
				 .db_user = cfg->db_reader_user,
				 .db_warm = warm,
				 .routes = server_routes,
				 .nroutes = server_nroutes,
				 .app = &srv,
				 .trusted_proxy = cfg->trusted_proxy,
				 .token_key = srv.keys.token,
				 .token_cache = tokens,
				 .front_pid = front.pid,
				 .front_socket = front.sock};
	if (!(http = http_start(cfg, &o, &e)))
		goto fail;
	sig = front_wait(&front, &set);
	log_info("stopping (signal %d)", sig);
	if (sig == SIGCHLD)
		log_error("the front ended: stopping");
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
	audit_stop(srv.audit);
	cache_free(srv.protector.cache);
	engine_stop(srv.protector.engine);
	populations_free(srv.protector.populations);
	version_watch_stop(srv.protector.version);
	token_cache_free(tokens);
	seen_free(srv.protector.seen);
	product_free(srv.protector.product);
	public_free(&srv.public);
	web_free(&srv.web);
	codelists_free(&srv.lists);
	indicators_free(&srv.indicators);
	standards_free(&srv.standards);
	costs_free(&srv.costs);
	free(srv.openapi);
	return rc;
}
