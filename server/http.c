/* libmicrohttpd glue (see http.h): routing, response queuing, access log, per-thread
 * database connections. Request bodies are not read here yet (the analytics API is
 * GET-only); the intake will parse its own bodies, never with MHD's post processor. */
#include "server/http.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"

/* One connection per server thread (libpq connections are not shared between threads),
 * remembered in a list so that http_stop can close them all. */
static __thread PGconn *thread_conn;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static PGconn **conns;
static size_t nconns, capconns;

static void remember(PGconn *c, int add)
{
	pthread_mutex_lock(&conns_lock);
	if (add) {
		xgrow((void **)&conns, &capconns, nconns + 1, sizeof *conns);
		conns[nconns++] = c;
	} else {
		for (size_t i = 0; i < nconns; i++)
			if (conns[i] == c)
				conns[i] = conns[--nconns];
	}
	pthread_mutex_unlock(&conns_lock);
}

PGconn *http_db(struct http_req *req)
{
	struct wq_error e;
	if (thread_conn && PQstatus(thread_conn) != CONNECTION_OK)
		http_db_reset();
	if (!thread_conn) {
		thread_conn = db_connect(req->srv->cfg, req->srv->cfg->db_reader_user, &e);
		if (thread_conn)
			remember(thread_conn, 1);
		else
			log_warning("%s: %s", e.code, e.message);
	}
	return thread_conn;
}

void http_db_reset(void)
{
	if (!thread_conn)
		return;
	remember(thread_conn, 0);
	PQfinish(thread_conn);
	thread_conn = NULL;
}

void http_json(struct http_resp *resp, unsigned status, json_t *body)
{
	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(17));
	resp->len = resp->body ? strlen(resp->body) : 0;
	json_decref(body);
}

void http_problem(struct http_resp *resp, unsigned status, const char *code, const char *title,
		  const char *detail, const char *hint)
{
	json_t *p = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank", "title", title, "status",
			      (int)status, "code", code);
	char *type = xasprintf("https://wiqaya.example/problems/%s", code);
	json_object_set_new(p, "type", json_string(type));
	free(type);
	if (detail)
		json_object_set_new(p, "detail", json_string(detail));
	if (hint)
		json_object_set_new(p, "hint", json_string(hint));
	http_json(resp, status, p);
	resp->content_type = "application/problem+json; charset=utf-8";
}

const char *http_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct collect {
	const char *name;
	const char **out;
	int max, n;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct collect *c = cls;
	if (strcmp(key, c->name) == 0) {
		if (c->n < c->max)
			c->out[c->n] = value ? value : "";
		c->n++;
	}
	return MHD_YES;
}

int http_query_all(const struct http_req *req, const char *name, const char **out, int max)
{
	struct collect c = {name, out, max, 0};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &c);
	return c.n;
}

static const struct route *find_route(const char *method, const char *path, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < http_nroutes; i++) {
		const char *rp = http_routes[i].path;
		size_t n = strlen(rp);
		int prefix = n > 2 && strcmp(rp + n - 2, "/*") == 0;
		if (prefix
			? strncmp(rp, path, n - 1) != 0 || !path[n - 1] || strchr(path + n - 1, '/')
			: strcmp(rp, path) != 0)
			continue;
		*path_known = 1;
		if (strcmp(http_routes[i].method, method) == 0)
			return &http_routes[i];
	}
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	(void)version;
	(void)upload;
	struct server *srv = cls;
	static int first_call_marker;
	struct timespec t0, t1;

	/* libmicrohttpd calls once for the headers, then for the body; answer on the last. */
	if (*state == NULL) {
		*state = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* bodies are ignored by the GET-only routes */
		return MHD_YES;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);

	struct http_req req = {conn, method, url, srv};
	struct http_resp resp = {0};
	int known;
	if (strlen(url) > (size_t)srv->cfg->max_url_bytes) {
		http_problem(&resp, 414, "H1414", "URI too long", NULL, NULL);
	} else {
		const struct route *r = find_route(method, url, &known);
		if (r)
			r->handler(&req, &resp);
		else if (known)
			http_problem(&resp, 405, "H1405", "method not allowed", NULL, NULL);
		else
			http_problem(&resp, 404, "H1404", "not found", "No such resource.", NULL);
	}

	struct MHD_Response *mr =
	    MHD_create_response_from_buffer(resp.len, resp.body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(mr, "Content-Type",
				resp.content_type ? resp.content_type
						  : "text/plain; charset=utf-8");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Cache-Control", "no-store");
	if (resp.retry_after) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", resp.retry_after);
		MHD_add_response_header(mr, "Retry-After", ra);
	}
	enum MHD_Result ret = MHD_queue_response(conn, resp.status, mr);
	MHD_destroy_response(mr);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* The path only: query strings are request text and are not logged. */
	log_info("%s %s %u %.1f ms", method, url, resp.status,
		 (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return ret;
}

int http_start(struct server *srv, struct wq_error *e)
{
	struct sockaddr_in addr = {0};
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)srv->cfg->server_port);
	if (inet_pton(AF_INET, srv->cfg->server_listen, &addr.sin_addr) != 1)
		return err_set(e, "S5001", "[server] listen \"%s\" is not an IPv4 address",
			       srv->cfg->server_listen);
	/* Until disclosure control exists, nothing is served beyond loopback. */
	if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
		err_set(e, "S5001", "refusing to listen on %s", srv->cfg->server_listen);
		err_detail(e, "Published numbers are not yet under disclosure control.");
		err_hint(e, "Set [server] listen = 127.0.0.1.");
		return -1;
	}
	srv->daemon = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)srv->cfg->server_threads, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)srv->cfg->connection_timeout, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)srv->cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)srv->cfg->connections_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)65536, MHD_OPTION_END);
	if (!srv->daemon)
		return err_set(e, "S5001", "could not listen on %s:%d", srv->cfg->server_listen,
			       srv->cfg->server_port);
	return 0;
}

void http_stop(struct server *srv)
{
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < nconns; i++)
		PQfinish(conns[i]);
	free(conns);
	conns = NULL;
	nconns = capconns = 0;
	pthread_mutex_unlock(&conns_lock);
}
