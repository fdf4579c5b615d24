/* The HTTP core (see http.h) on libmicrohttpd. MHD parses requests and writes responses;
 * everything a handler may rely on is checked here first. Connections are tracked in a
 * list of our own (MHD's connection-notify callback), so that the header deadline can be
 * enforced by a sweeper thread (MHD's timeout counts only inactivity) and the connection
 * limits answered with a 503 (MHD's own limits reset the connection). Over 600 lines
 * because every limit of http.h is here, beside the MHD callback that enforces it: the
 * core is the one place a request passes through before any handler. */
#include "common/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/rate.h"
#include "common/xalloc.h"

/* MHD's own connection limit is ours plus this many, so that a client past ours still
 * gets its 503 rather than a reset. */
#define CONNECTION_SLACK 32
/* A number as the text of a string literal. */
#define STRING_(x) #x
#define STRING(x)  STRING_(x)

/* Where a connection's current request is: each phase but the handler's has a deadline
 * the sweeper enforces. */
enum phase {
	AWAITING_HEADERS, /* all of them within header_timeout */
	READING_BODY,	  /* after header_timeout's grace, min_body_rate bytes a second */
	ANSWERING,	  /* the handler's: statement_timeout bounds its database work */
	SENDING		  /* the answer, read by the client as a body is sent: same rule */
};

/* A connection, from accept to close. */
struct conn {
	struct conn *next, *prev;
	int fd;
	char peer[INET6_ADDRSTRLEN];
	enum phase phase;
	double phase_start; /* when the phase began */
	size_t body_bytes;  /* of the body read so far (READING_BODY), of the answer (SENDING) */
	int cut;	    /* the sweeper shut it down */
	int retired; /* opened before a new certificate (http_retls): closed after its answer */
};

/* A daemon a new certificate replaced (http_retls): it accepts nothing more, and the
 * sweeper stops it once its last connection has closed. */
struct retired {
	struct MHD_Daemon *daemon;
	MHD_socket listener; /* its copy of the listening socket, returned by the quiesce */
	struct retired *next;
};

struct http_server {
	const struct wq_config *cfg;
	struct http_options o;
	struct MHD_Daemon *daemon;
	struct retired *retired; /* under mu */
	unsigned flags; /* MHD's, and the pool of a connection: each daemon starts with them */
	size_t pool;
	pthread_mutex_t mu; /* conns, counts */
	struct conn *conns;
	int nconns;
	pthread_t sweeper;
	int stopping; /* 1: nothing more is admitted; 2: the sweeper ends too */
	struct metrics *metrics;
	struct rate_limit *rate;      /* [limits] rate_per_token; NULL: none */
	struct rate_limit *auth_fail; /* [limits] auth_failures_per_minute; NULL: none */
	int active;		      /* requests admitted, not yet completed (under mu) */
	int listener;		      /* the listening socket MHD was handed */
	pthread_cond_t completed;     /* signalled when one is */
	/* Connections made at start for the threads' first requests (under conns_lock). */
	PGconn **spares;
	int nspares;
	pthread_t spare_maker;
	int making_spares;
};

/* One request, from its URI to its completion. */
struct http_request {
	struct http_server *srv;
	struct MHD_Connection *mc;
	struct conn *conn;
	size_t uri_len;
	char *target; /* as sent */
	const char *method, *path;
	const struct http_route *route;
	char client[INET6_ADDRSTRLEN];
	char *body;
	size_t body_len, body_cap;
	int nul_in_target; /* %00 in the path as sent, or a raw NUL in the target */
	int many_params;   /* more than HTTP_MAX_PARAMS query parameters */
	int must_close;	   /* refused on its headers: answered before its body */
	int counted;	   /* counted among its client's requests in flight (behind the proxy) */
	int admitted;	   /* counted among the server's active requests */
	struct principal who;
	double t0;
	size_t in_bytes;
	void *stream; /* the front's (http_options stream_open) */
	/* A deferred answer (http_defer): suspended until http_resume hands it over. */
	int deferred, resumed;
	struct http_response later;
};

/* ---- per-thread database connections ---- */

/* One connection per server thread (libpq connections are not shared between threads),
 * remembered in a list so that http_stop can close them all. */
static __thread PGconn *thread_conn;
static __thread struct metrics *thread_metrics; /* the server this thread answers for */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static PGconn **dbs;
static size_t ndbs, capdbs;

static void remember(PGconn *c, int add)
{
	pthread_mutex_lock(&conns_lock);
	if (add) {
		xgrow((void **)&dbs, &capdbs, ndbs + 1, sizeof *dbs);
		dbs[ndbs++] = c;
	} else {
		for (size_t i = 0; i < ndbs; i++)
			if (dbs[i] == c)
				dbs[i] = dbs[--ndbs];
	}
	pthread_mutex_unlock(&conns_lock);
}

/* Whether what waited on a connection that LISTENs for the token cache was notifications
 * only, now heard: read while anything waits, until the connection fails (the server's
 * goodbye: its message, then the end of the stream). */
static int heard_only(PGconn *conn, struct token_cache *tokens)
{
	if (!tokens)
		return 0;
	do {
		if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
			return 0;
		token_cache_hear(tokens, conn);
	} while (!db_alive(conn));
	return 1;
}

/* A thread's connection as every request finds it: its statements bounded, and listening
 * for the token cache's read barrier. Remembered for http_stop; NULL with e set. */
static PGconn *thread_connect(const struct http_server *s, struct wq_error *e)
{
	PGconn *c = db_connect(s->cfg, s->o.db_user, e);
	if (!c)
		return NULL;
	/* A request holds its thread and connection for at most this long: the bound the
	 * sizing of docs/operations.md rests on. */
	char set[96];
	snprintf(set, sizeof set,
		 "SET statement_timeout = %d; SET application_name = 'wiqaya-thread'",
		 s->cfg->statement_timeout_ms);
	PQclear(PQexec(c, set));
	if (s->o.token_cache && token_cache_listen(s->o.token_cache, c, e) < 0) {
		PQfinish(c);
		return NULL;
	}
	remember(c, 1);
	return c;
}

/* The spare connections, made on a thread of their own while the server starts answering
 * until there is one a thread: a thread's first request takes one (or, when none is left,
 * connects itself) instead of waiting for a connection to be made and authenticated, about
 * 10 ms. A database down at start leaves fewer spares, and the threads connect as they
 * need. (The process's connections are this server's: one server a process.) */
static void *make_spares(void *arg)
{
	struct http_server *s = arg;
	struct wq_error e;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		int stopping = s->stopping;
		pthread_mutex_unlock(&s->mu);
		pthread_mutex_lock(&conns_lock);
		int enough = ndbs >= (size_t)s->o.threads;
		pthread_mutex_unlock(&conns_lock);
		if (stopping || enough)
			break;
		PGconn *c = thread_connect(s, &e);
		if (!c) {
			log_warning("%s: %s (the threads will connect as they need)", e.code,
				    e.message);
			break;
		}
		if (s->o.db_warm)
			s->o.db_warm(c);
		/* A thread that connected itself meanwhile may have made this one too many. */
		pthread_mutex_lock(&conns_lock);
		int spare = ndbs <= (size_t)s->o.threads;
		if (spare)
			s->spares[s->nspares++] = c;
		pthread_mutex_unlock(&conns_lock);
		if (!spare) {
			remember(c, 0);
			PQfinish(c);
			break;
		}
	}
	return NULL;
}

static PGconn *take_spare(struct http_server *s)
{
	pthread_mutex_lock(&conns_lock);
	PGconn *c = s->nspares ? s->spares[--s->nspares] : NULL;
	pthread_mutex_unlock(&conns_lock);
	return c;
}

PGconn *http_db(struct http_request *r)
{
	struct wq_error e;
	if (!r->srv->o.db_user)
		return NULL;
	struct token_cache *tokens = r->srv->o.token_cache;
	/* A connection the database closed while it was idle (a restart) is made again
	 * before the request uses it: its first statement would fail otherwise. With a token
	 * cache, bytes waiting may be notifications of token changes (the connection LISTENs
	 * for the cache's read barrier): heard, and only what is left is the goodbye. */
	if (!thread_conn)
		thread_conn = take_spare(r->srv); /* idle since start: checked as any below */
	if (thread_conn && !db_alive(thread_conn) && !heard_only(thread_conn, tokens))
		http_db_reset();
	if (!thread_conn && !(thread_conn = thread_connect(r->srv, &e))) {
		log_warning("%s: %s", e.code, e.message);
		metrics_db_error(r->srv->metrics);
	}
	return thread_conn;
}

void http_db_reset(void)
{
	if (!thread_conn)
		return;
	if (thread_metrics)
		metrics_db_error(thread_metrics);
	remember(thread_conn, 0);
	PQfinish(thread_conn);
	thread_conn = NULL;
}

/* ---- responses ---- */

void http_json(struct http_response *resp, unsigned status, json_t *body)
{
	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(17));
	resp->len = resp->body ? strlen(resp->body) : 0;
	json_decref(body);
}

void http_text(struct http_response *resp, unsigned status, const char *content_type,
	       const char *text, size_t len)
{
	char *body = xmalloc(len + 1);
	memcpy(body, text, len);
	body[len] = '\0';
	http_text_take(resp, status, content_type, body, len);
}

void http_text_take(struct http_response *resp, unsigned status, const char *content_type,
		    char *body, size_t len)
{
	resp->status = status;
	resp->content_type = content_type;
	resp->body = body;
	resp->len = len;
}

static json_t *problem_json(unsigned status, const char *code, const char *title,
			    const char *detail, const char *hint)
{
	char *type = xasprintf("https://wiqaya.example/problems/%s", code);
	json_t *p = json_pack("{s:s,s:s,s:i,s:s}", "type", type, "title", title, "status",
			      (int)status, "code", code);
	free(type);
	if (detail && detail[0])
		json_object_set_new(p, "detail", json_string(detail));
	if (hint && hint[0])
		json_object_set_new(p, "hint", json_string(hint));
	return p;
}

void http_problem(struct http_response *resp, unsigned status, const char *code, const char *title,
		  const char *detail, const char *hint)
{
	http_json(resp, status, problem_json(status, code, title, detail, hint));
	resp->content_type = "application/problem+json; charset=utf-8";
}

void http_problem_error(struct http_response *resp, unsigned status, const struct wq_error *e)
{
	json_t *p = problem_json(status, e->code, e->message, e->detail, e->hint);
	if (e->field[0])
		json_object_set_new(
		    p, "invalid_params",
		    json_pack("[{s:s,s:s}]", "name", e->field, "reason", e->message));
	http_json(resp, status, p);
	resp->content_type = "application/problem+json; charset=utf-8";
}

void http_problem_param(struct http_response *resp, const char *code, const char *title,
			const char *param, const char *reason)
{
	json_t *p = problem_json(400, code, title, NULL, NULL);
	/* One of the route's names, or a position: never a name as sent (check_arg). */
	char name[73];
	snprintf(name, sizeof name, "%s", param);
	json_object_set_new(p, "invalid_params",
			    json_pack("[{s:s,s:s}]", "name", name, "reason", reason));
	http_json(resp, 400, p);
	resp->content_type = "application/problem+json; charset=utf-8";
}

/* ---- the request ---- */

void *http_app(const struct http_request *r)
{
	return r->srv->o.app;
}

const struct wq_config *http_config(const struct http_request *r)
{
	return r->srv->cfg;
}

const char *http_method(const struct http_request *r)
{
	return r->method;
}

const char *http_path(const struct http_request *r)
{
	return r->path;
}

const char *http_target(const struct http_request *r)
{
	return r->target;
}

const char *http_header(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->mc, MHD_GET_ARGUMENT_KIND, name);
}

struct collect {
	const char *name;
	const char **out;
	int max, n;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct collect *c = cls;
	(void)kind; /* MHD's iterator signature; only GET arguments are asked for */
	if (strcmp(key, c->name) == 0) {
		if (c->n < c->max)
			c->out[c->n] = value ? value : "";
		c->n++;
	}
	return MHD_YES;
}

int http_query_all(const struct http_request *r, const char *name, const char **out, int max)
{
	struct collect c = {name, out, max, 0};
	MHD_get_connection_values(r->mc, MHD_GET_ARGUMENT_KIND, collect_arg, &c);
	return c.n;
}

int http_body(const struct http_request *r, const char **data, size_t *len)
{
	*data = r->body ? r->body : "";
	*len = r->body_len;
	return 0;
}

void *http_stream(const struct http_request *r)
{
	return r->stream;
}

const char *http_client(const struct http_request *r)
{
	return r->client;
}

const struct principal *http_principal(const struct http_request *r)
{
	return &r->who;
}

void http_metrics(const struct http_request *r, const char *prefix, struct strbuf *out)
{
	struct http_server *s = r->srv;
	metrics_render(s->metrics, prefix, out);
	pthread_mutex_lock(&s->mu);
	int open = s->nconns;
	pthread_mutex_unlock(&s->mu);
	sb_printf(out,
		  "# HELP %s_http_connections Connections open now.\n"
		  "# TYPE %s_http_connections gauge\n%s_http_connections %d\n",
		  prefix, prefix, prefix, open);
	if (s->o.token_cache)
		sb_printf(
		    out,
		    "# HELP %s_token_cache_hits_total Tokens answered from the token cache "
		    "(past its read barrier), not the database.\n"
		    "# TYPE %s_token_cache_hits_total counter\n%s_token_cache_hits_total %lu\n",
		    prefix, prefix, prefix, token_cache_hits(s->o.token_cache));
}

/* ---- connections: tracking, limits, the header deadline ---- */

/* An IP address as text ("" for another family: the data side's Unix socket). */
static void address_text(const struct sockaddr *sa, char out[INET6_ADDRSTRLEN])
{
	out[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  INET6_ADDRSTRLEN);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  INET6_ADDRSTRLEN);
}

static void peer_of(struct MHD_Connection *mc, char out[INET6_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	address_text(ci ? ci->client_addr : NULL, out);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *c = xcalloc(1, sizeof *c);
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		c->fd = ci ? ci->connect_fd : -1;
		peer_of(mc, c->peer);
		/* The data side answers its front only: another local process that found the
		 * socket is cut off before a byte is read. */
		struct ucred cred;
		socklen_t len = sizeof cred;
		if (s->o.front_pid &&
		    (c->fd < 0 || getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		     cred.pid != s->o.front_pid)) {
			if (c->fd >= 0)
				shutdown(c->fd, SHUT_RDWR);
			c->cut = 1;
		}
		c->phase_start = clock_now();
		pthread_mutex_lock(&s->mu);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		pthread_mutex_unlock(&s->mu);
		*socket_context = c;
		return;
	}
	struct conn *c = *socket_context;
	if (!c)
		return;
	pthread_mutex_lock(&s->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	pthread_mutex_unlock(&s->mu);
	free(c);
	*socket_context = NULL;
}

/* Whether a connection has passed its phase's deadline: its headers past header_timeout;
 * its body, after the same grace, slower than min_body_rate on average (a client dripping
 * a byte now and then holds a connection no longer than one that sends nothing); its
 * answer, after the same grace, longer than its size at min_body_rate (a client reading a
 * byte now and then holds it no longer). */
static int overdue(const struct wq_config *cfg, const struct conn *c, double t)
{
	double grace = cfg->header_timeout, spent = t - c->phase_start;
	if (c->phase == AWAITING_HEADERS)
		return spent > grace;
	if (c->phase == READING_BODY || c->phase == SENDING)
		return spent > grace + (double)c->body_bytes / cfg->min_body_rate;
	return 0;
}

/* Stops the replaced daemons of list R, then closes their copies of the listening socket
 * (MHD's rule for a quiesced daemon's: not before it has stopped). */
static void retired_stop(struct retired *r)
{
	while (r) {
		struct retired *next = r->next;
		MHD_stop_daemon(r->daemon);
		if (r->listener != MHD_INVALID_SOCKET)
			close(r->listener);
		free(r);
		r = next;
	}
}

/* Cuts off every connection past its deadline: shutdown() makes MHD see the socket end
 * and close it. */

static void *sweep(void *arg)
{
	struct http_server *s = arg;
	for (;;) {
		usleep(200 * 1000);
		pthread_mutex_lock(&s->mu);
		if (s->stopping > 1) {
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		double t = clock_now();
		for (struct conn *c = s->conns; c; c = c->next)
			if (!c->cut && c->fd >= 0 && overdue(s->cfg, c, t)) {
				shutdown(c->fd, SHUT_RDWR);
				c->cut = 1;
			}
		/* A replaced daemon whose connections have all closed (idle ones within
		 * connection_timeout) is stopped, outside the lock its callbacks take. */
		struct retired *done = NULL;
		for (struct retired **r = &s->retired; *r;) {
			const union MHD_DaemonInfo *di =
			    MHD_get_daemon_info((*r)->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
			if (di && di->num_connections == 0) {
				struct retired *d = *r;
				*r = d->next;
				d->next = done;
				done = d;
			} else {
				r = &(*r)->next;
			}
		}
		pthread_mutex_unlock(&s->mu);
		retired_stop(done);
	}
}

static struct conn *conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Connections one address may hold past connections_per_ip, so that it is told so with a
 * 503 rather than reset; past these, its connections are refused at accept. */
#define PER_IP_SLACK 2

/* At accept, before a byte is read: an address holding connections_per_ip connections
 * and the slack gets no more (the trusted proxy's are its clients', counted per request).
 * This is what keeps one client from holding every connection of the server. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct http_server *s = cls;
	char peer[INET6_ADDRSTRLEN];
	(void)len; /* the family says it */
	address_text(sa, peer);
	const char *proxy = s->o.trusted_proxy;
	if (s->o.front_pid || (proxy && proxy[0] && strcmp(peer, proxy) == 0))
		return MHD_YES;
	int mine = 0;
	pthread_mutex_lock(&s->mu);
	for (struct conn *c = s->conns; c; c = c->next)
		mine += strcmp(c->peer, peer) == 0;
	pthread_mutex_unlock(&s->mu);
	return mine < s->cfg->connections_per_ip + PER_IP_SLACK ? MHD_YES : MHD_NO;
}

/* Connections of one client: by peer address, or for the trusted proxy's connections by
 * the client each request names. Counted under the lock. */
static int connections_of(struct http_server *s, const char *client, int behind_proxy)
{
	int n = 0;
	for (struct conn *c = s->conns; c; c = c->next)
		n += behind_proxy ? 0 : strcmp(c->peer, client) == 0;
	return n;
}

/* The client of a request: the peer, or behind the trusted proxy the last address of
 * X-Forwarded-For (the one the proxy itself saw). */
static int client_of(struct http_request *r)
{
	const char *proxy = r->srv->o.trusted_proxy;
	const char *peer = r->conn ? r->conn->peer : "";
	snprintf(r->client, sizeof r->client, "%s", peer);
	if (!r->srv->o.front_pid && (!proxy || !proxy[0] || strcmp(peer, proxy) != 0))
		return 0;
	const char *xff = MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return 1;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ')
		last++;
	char addr[INET6_ADDRSTRLEN];
	unsigned char buf[sizeof(struct in6_addr)];
	snprintf(addr, sizeof addr, "%.*s", (int)strcspn(last, " "), last);
	if (inet_pton(AF_INET, addr, buf) == 1 || inet_pton(AF_INET6, addr, buf) == 1)
		snprintf(r->client, sizeof r->client, "%s", addr);
	return 1;
}

/* Requests in flight per client behind the proxy (its connections are all the proxy's). */
struct inflight {
	char client[INET6_ADDRSTRLEN];
	int n;
};
static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inflight *inflights;
static size_t ninflight, capinflight;

static int inflight_add(const char *client, int delta)
{
	pthread_mutex_lock(&inflight_lock);
	size_t i = 0;
	while (i < ninflight && strcmp(inflights[i].client, client) != 0)
		i++;
	if (i == ninflight) {
		xgrow((void **)&inflights, &capinflight, ninflight + 1, sizeof *inflights);
		snprintf(inflights[i].client, sizeof inflights[i].client, "%s", client);
		inflights[i].n = 0;
		ninflight++;
	}
	int n = inflights[i].n += delta;
	if (n == 0)
		inflights[i] = inflights[--ninflight];
	pthread_mutex_unlock(&inflight_lock);
	return n;
}

/* ---- routing and checks ---- */

static const struct http_route *find_route(const struct http_server *s, const char *method,
					   const char *path, int *path_known)
{
	*path_known = 0;
	/* HEAD is answered wherever GET is; MHD sends no body for it. */
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (size_t i = 0; i < s->o.nroutes; i++) {
		const char *rp = s->o.routes[i].path;
		size_t n = strlen(rp);
		int rest = n > 3 && strcmp(rp + n - 3, "/**") == 0;
		int prefix = !rest && n > 2 && strcmp(rp + n - 2, "/*") == 0;
		if (rest ? strncmp(rp, path, n - 2) != 0 || !path[n - 2]
		    : prefix
			? strncmp(rp, path, n - 1) != 0 || !path[n - 1] || strchr(path + n - 1, '/')
			: strcmp(rp, path) != 0)
			continue;
		*path_known = 1;
		if (strcmp(s->o.routes[i].method, method) == 0)
			return &s->o.routes[i];
	}
	return NULL;
}

struct arg_check {
	const struct http_route *route;
	struct http_response *resp;
	const char *seen[64];
	int nseen;
	int at; /* the position of the parameter checked, from 1 */
	int failed;
};

static int allowed(const struct http_route *r, const char *key, int *repeatable)
{
	for (const char *const *p = r->params; p && *p; p++) {
		size_t n = strlen(*p);
		int rep = n && (*p)[n - 1] == '*';
		if ((rep && strlen(key) == n - 1 && strncmp(*p, key, n - 1) == 0) ||
		    (!rep && strcmp(*p, key) == 0)) {
			*repeatable = rep;
			return 1;
		}
	}
	return 0;
}

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 size_t key_size, const char *value, size_t value_size)
{
	struct arg_check *c = cls;
	int repeatable = 0;
	(void)kind; /* only GET arguments are iterated */
	if (c->failed)
		return MHD_NO;
	c->at++;
	if (strlen(key) != key_size) {
		char name[32];
		snprintf(name, sizeof name, "parameter %d", c->at);
		http_problem_param(c->resp, "H1003", "a NUL character in a query parameter", name,
				   "a name must not hold %00");
		c->failed = 1;
		return MHD_NO;
	}
	if (!allowed(c->route, key, &repeatable)) {
		/* Named by its position, never echoed (a name may be typed as a key, as in a
		 * record's fields), or by ours when it differs from one only by case. */
		char name[72];
		snprintf(name, sizeof name, "parameter %d", c->at);
		for (const char *const *p = c->route->params; p && *p; p++)
			if (strncasecmp(*p, key, strcspn(*p, "*")) == 0 &&
			    key[strcspn(*p, "*")] == '\0')
				snprintf(name, sizeof name, "%.*s", (int)strcspn(*p, "*"), *p);
		http_problem_param(c->resp, "H1001", "unknown query parameter", name,
				   "not a parameter of this route (docs/api.md lists them)");
		c->failed = 1;
		return MHD_NO;
	}
	if (value && strlen(value) != value_size) {
		http_problem_param(c->resp, "H1003", "a NUL character in a query parameter", key,
				   "a value must not hold %00");
		c->failed = 1;
		return MHD_NO;
	}
	if (!repeatable) {
		for (int i = 0; i < c->nseen; i++)
			if (strcmp(c->seen[i], key) == 0) {
				http_problem_param(c->resp, "H1002",
						   "a query parameter given twice", key,
						   "this parameter takes one value");
				c->failed = 1;
				return MHD_NO;
			}
		if (c->nseen < 64)
			c->seen[c->nseen++] = key;
	}
	return MHD_YES;
}

/* The headers that frame a request, counted (RFC 9112 6.3: framing two ways is how a
 * request is smuggled past a proxy that reads the other one). */
struct framing {
	int content_length, transfer_encoding, host, nul;
	const char *length, *coding;
	/* The request's header lines as MHD read them (see header_span), and where the last
	 * header's value ended; span_start NULL when the layout is not known. */
	const char *span_start, *span_end, *last_end;
	int unbroken; /* every value ends where its line does */
};

/* In libmicrohttpd 0.9.75 (the version Debian 12 ships) a header's key and value point
 * into the request as read, in order, its colons and line ends overwritten with NULs: the
 * span from the method to the end of the blank line
 * (MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE bytes). Between one value's end and the next
 * key, and after the last value, there may be only those NULs: any other byte is what
 * followed a NUL inside the value, which MHD cut off before we see it. A key or value
 * outside the span was rebuilt by MHD from folded lines (obs-fold, which RFC 9112 5.2 lets
 * a server reject). With another version nothing is checked this way (1.0 refuses a NUL in
 * a header itself). */
static void header_span(const struct http_request *r, struct framing *f)
{
	static int layout_known = -1;
	if (layout_known < 0)
		layout_known = strcmp(MHD_get_version(), "0.9.75") == 0;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->mc, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (!layout_known || !ci || !r->method)
		return;
	f->span_start = r->method;
	f->span_end = r->method + ci->header_size;
}

/* Only NULs from P to END (both within the span). */
static int only_nuls(const char *p, const char *end)
{
	while (p < end && *p == '\0')
		p++;
	return p >= end;
}

static int in_span(const struct framing *f, const char *p)
{
	return p >= f->span_start && p < f->span_end;
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    size_t key_size, const char *value, size_t value_size)
{
	struct framing *f = cls;
	(void)kind; /* only headers are iterated */
	/* A NUL, or a bare CR (which MHD keeps inside a value: only CRLF or LF ends a line),
	 * is a byte a header may not hold (RFC 9110 5.5) and that another parser, the front's
	 * data process or a proxy, may read as the end of something. */
	if (strlen(key) != key_size || (value && strlen(value) != value_size) ||
	    strchr(key, '\r') || (value && strchr(value, '\r')))
		f->nul = 1;
	if (f->span_start) {
		if (!in_span(f, key) || !value || !in_span(f, value) || key < f->last_end)
			f->unbroken = 0;
		else if (f->last_end && !only_nuls(f->last_end, key))
			f->unbroken = 0;
		else
			f->last_end = value + value_size;
	}
	if (strcasecmp(key, "Content-Length") == 0) {
		f->content_length++;
		f->length = value;
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		f->transfer_encoding++;
		f->coding = value;
	} else if (strcasecmp(key, "Host") == 0) {
		f->host++;
	}
	return MHD_YES;
}

/* 400 for a request that can be read two ways: a NUL in its target or a header, a length
 * given twice or beside a transfer coding, a coding other than chunked, a length that is
 * not a number, an HTTP/1.1 request without exactly one Host. Like every refusal on the
 * headers its connection is closed after the answer: what follows on it cannot be
 * trusted to be a request. */
static int framing_ok(struct http_request *r, const char *version, struct framing *f,
		      struct http_response *resp)
{
	f->unbroken = 1;
	header_span(r, f);
	MHD_get_connection_values_n(r->mc, MHD_HEADER_KIND, count_header, f);
	/* A raw NUL in the target hides what follows it from on_uri (and from the target a
	 * front passes on), not from MHD, which parsed the arguments after it: arguments
	 * where the target as we read it has no '?'. */
	if (!strchr(r->target, '?') &&
	    MHD_get_connection_values(r->mc, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
		r->nul_in_target = 1;
	if (f->span_start && f->unbroken && f->last_end && !only_nuls(f->last_end, f->span_end))
		f->unbroken = 0; /* after the last header's value */
	const char *why = NULL, *code = "H1011";
	if (r->nul_in_target || f->nul || !f->unbroken) {
		code = "H1010";
		why = "A NUL or a bare CR in the target or a header.";
	} else if (f->content_length > 1 || f->transfer_encoding > 1 ||
		   (f->content_length && f->transfer_encoding)) {
		why = "Content-Length and Transfer-Encoding must frame a body one way, once.";
	} else if (f->transfer_encoding && strcasecmp(f->coding, "chunked") != 0) {
		why = "The only transfer coding taken is chunked.";
	} else if (f->content_length &&
		   (!f->length[0] || strspn(f->length, "0123456789") != strlen(f->length))) {
		why = "Content-Length must be a decimal number.";
	} else if (f->host > 1 || (strcmp(version, "HTTP/1.0") != 0 && f->host != 1)) {
		code = "H1012";
		why = "An HTTP/1.1 request names its host in exactly one Host header.";
	}
	if (!why)
		return 0;
	http_problem(resp, 400, code, "an ambiguous request", why, NULL);
	return -1;
}

/* The body, decided on the headers: none where the method takes none (GET, HEAD), at
 * most max_body_bytes by its Content-Length (a chunked body is held to it as it comes). */
static int body_ok(struct http_request *r, const struct framing *f, struct http_response *resp)
{
	/* Digits only (framing_ok); more than 18 is past any limit and past strtoull. */
	unsigned long long length = f->content_length ? strtoull(f->length, NULL, 10) : 0;
	int too_long = f->content_length && strlen(f->length) > 18;
	if ((f->transfer_encoding || length) &&
	    (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)) {
		http_problem(resp, 400, "H1014", "this request takes no body", NULL, NULL);
		return -1;
	}
	if (too_long || length > (unsigned long long)r->srv->cfg->max_body_bytes) {
		http_problem(resp, 413, "H1413", "request body too large", NULL,
			     "See [limits] max_body_bytes.");
		return -1;
	}
	return 0;
}

/* The token of the request, then the route's roles. */
static int authorize(struct http_request *r, struct http_response *resp)
{
	struct wq_error e;
	const char *auth = http_header(r, "Authorization");
	r->who.role = ROLE_PUBLIC;
	if (!r->srv->o.token_key)
		return 0;
	uint64_t client = rate_key(r->client);
	if (auth) {
		/* A client that failed too often waits, without a lookup: guessing tokens runs
		 * at auth_failures_per_minute, not at the database's speed. */
		int wait = rate_wait(r->srv->auth_fail, client, clock_now());
		if (wait) {
			http_problem(resp, 429, "H1430", "too many failed authentications",
				     "This client sent too many invalid tokens.",
				     "Wait for Retry-After seconds; see [limits] "
				     "auth_failures_per_minute.");
			resp->retry_after = wait;
			return -1;
		}
		/* The token's form first (no connection for a malformed one); then the token
		 * cache past its read barrier on the thread's connection, else the database. */
		uint8_t hash[TOKEN_HASH_BYTES];
		if (token_hash(r->srv->o.token_key, auth, hash, &e) < 0 ||
		    token_check(http_db(r), r->srv->o.token_cache, hash, &r->who, &e) < 0) {
			if (strcmp(e.code, "T1006") == 0) {
				http_problem(resp, 503, "T1006", "tokens cannot be checked now",
					     NULL, NULL);
				resp->retry_after = 5;
				http_db_reset();
			} else {
				rate_take(r->srv->auth_fail, client, clock_now());
				http_problem_error(resp, 401, &e);
			}
			return -1;
		}
	}
	if (r->route->roles & r->who.role) {
		int wait = rate_take(r->srv->rate, (uint64_t)r->who.token_id, clock_now());
		if (wait == 0)
			return 0;
		http_problem(resp, 429, "H1429", "too many requests",
			     "This token has passed its request rate.",
			     "Wait for Retry-After seconds; see [limits] rate_per_token.");
		resp->retry_after = wait;
		return -1;
	}
	if (r->who.role == ROLE_PUBLIC) {
		http_problem(resp, 401, "T1000", "this resource needs a token", NULL,
			     "Send Authorization: Bearer wq_... (docs/api.md).");
		return -1;
	}
	char detail[96];
	snprintf(detail, sizeof detail, "The role %s is not admitted here.",
		 role_name(r->who.role));
	http_problem(resp, 403, "T1007", "forbidden", detail, NULL);
	return -1;
}

/* The checks every request passes on its headers, before a byte of its body is read:
 * limits, framing, route and method, parameters, the body's size, the token and role.
 * Returns 0 when the body may be read and the handler run; otherwise resp holds the
 * answer (sent at once: no 100 Continue, and the body is never read). */
static int admit(struct http_request *r, const char *version, struct http_response *resp)
{
	struct http_server *s = r->srv;
	const struct wq_config *cfg = s->cfg;
	if (r->uri_len > (size_t)cfg->max_url_bytes) {
		http_problem(resp, 414, "H1414", "URI too long", NULL, NULL);
		return -1;
	}
	if (r->many_params) {
		http_problem(
		    resp, 400, "H1004", "too many query parameters",
		    "A request takes at most " STRING(HTTP_MAX_PARAMS) " query parameters.", NULL);
		return -1;
	}
	struct framing f = {0};
	if (framing_ok(r, version, &f, resp) < 0)
		return -1;
	int behind = client_of(r);
	pthread_mutex_lock(&s->mu);
	int total = s->nconns, mine = connections_of(s, r->client, behind);
	pthread_mutex_unlock(&s->mu);
	int busy = total > cfg->max_connections || (!behind && mine > cfg->connections_per_ip);
	if (behind) {
		r->counted = 1;
		busy |= inflight_add(r->client, 1) > cfg->connections_per_ip;
	}
	if (busy) {
		http_problem(resp, 503, "H1503", "too many connections",
			     "The server is at its connection limit; try again shortly.", NULL);
		resp->retry_after = 1;
		return -1;
	}
	int known;
	r->route = find_route(s, r->method, r->path, &known);
	if (!r->route) {
		if (known)
			http_problem(resp, 405, "H1405", "method not allowed", NULL, NULL);
		else
			http_problem(resp, 404, "H1404", "not found", "No such resource.", NULL);
		return -1;
	}
	struct arg_check c = {.route = r->route, .resp = resp};
	MHD_get_connection_values_n(r->mc, MHD_GET_ARGUMENT_KIND, check_arg, &c);
	if (c.failed || body_ok(r, &f, resp) < 0 || authorize(r, resp) < 0)
		return -1;
	/* Admitted: counted until it completes, so that a stop waits for it (its body, its
	 * handler, its deferred answer), unless the stop has begun. */
	pthread_mutex_lock(&s->mu);
	int stopping = s->stopping;
	if (!stopping) {
		s->active++;
		r->admitted = 1;
	}
	pthread_mutex_unlock(&s->mu);
	if (stopping) {
		http_problem(resp, 503, "H1503", "the server is stopping", NULL, NULL);
		resp->retry_after = 1;
		return -1;
	}
	return s->o.stream_open ? s->o.stream_open(r, resp, &r->stream) : 0;
}

/* ---- the access handler ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct http_request *r = xcalloc(1, sizeof *r);
	r->srv = cls;
	r->mc = mc;
	r->uri_len = strlen(uri);
	r->target = xstrdup(uri);
	/* MHD decodes the path and cuts it at a %00 ("/healthz%00x" would be routed as
	 * /healthz): such a path is refused whole, on the text as sent. (A %00 in the query
	 * string is refused by the parameter check, which names the parameter.) */
	const char *nul = strstr(uri, "%00"), *query = strchr(uri, '?');
	r->nul_in_target = nul && (!query || nul < query);
	/* A URL past the limit is answered 414, one of more than HTTP_MAX_PARAMS parameters
	 * 400 H1004, once the headers are in; their query string is emptied here, before MHD
	 * parses it: MHD would parse every parameter into a record of the connection's memory
	 * pool (64 bytes, even of an empty one: "&&&&"), fail when it is full, and answer
	 * nothing at all. So no request has more than HTTP_MAX_PARAMS records in the pool.
	 * The URI is MHD's own copy in its read buffer; MHD 0.9.75 has found its '?' before
	 * this call and parses from the byte after it once we return, so that byte is cut
	 * too (cutting at the '?' alone left every parameter to be parsed). (A raw NUL byte
	 * in the target hides what follows it from us, not from MHD: framing_ok refuses such
	 * a request, unless its arguments fill its own connection's pool first.) */
	char *q = strchr(uri, '?');
	size_t params = q ? 1 : 0;
	for (const char *c = q ? q + 1 : ""; *c; c++)
		params += *c == '&';
	r->many_params = params > HTTP_MAX_PARAMS;
	if (q && (r->uri_len > (size_t)r->srv->cfg->max_url_bytes || r->many_params))
		q[0] = q[1] = '\0';
	r->t0 = clock_now();
	r->conn = conn_of(mc);
	return r;
}

/* A log-safe method: one of HTTP's own, else "OTHER". A client's method is text it
 * chose, and a word of its own in the log could be a name (a cold review logged
 * "MOHAMMED"). */
static void method_text(const char *m, char out[17])
{
	static const char *const known[] = {"GET",     "HEAD",	"POST",	 "PUT",	   "DELETE",
					    "OPTIONS", "PATCH", "TRACE", "CONNECT"};
	const char *name = "OTHER";
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (!strcmp(m, known[i]))
			name = known[i];
	snprintf(out, 17, "%s", name);
}

/* The request's connection enters PHASE, whose deadline starts now (BYTES: of the
 * answer to send). */
static void set_phase(struct http_request *r, enum phase phase, size_t bytes)
{
	if (!r->conn)
		return;
	pthread_mutex_lock(&r->srv->mu);
	r->conn->phase = phase;
	r->conn->phase_start = clock_now();
	r->conn->body_bytes = bytes;
	pthread_mutex_unlock(&r->srv->mu);
}

/* The body's bytes read so far, for the sweeper's minimum rate. */
static void set_body_bytes(struct http_request *r, size_t n)
{
	if (!r->conn)
		return;
	pthread_mutex_lock(&r->srv->mu);
	r->conn->body_bytes = n;
	pthread_mutex_unlock(&r->srv->mu);
}

static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

void http_etag_body(struct http_response *resp)
{
	uint8_t h[16];
	char hex[33];
	crypto_generichash(h, sizeof h, (const uint8_t *)resp->body, resp->len, NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(resp->etag_text, sizeof resp->etag_text, "\"%s\"", hex);
	resp->etag = resp->etag_text;
	resp->cache_control = "private, no-cache";
}

/* Whether R came on a connection opened before a new certificate (http_retls): it is
 * closed after the answer, so that a client that keeps it alive comes back on the new
 * certificate and the old daemon can stop. (MHD names a connection's daemon as its
 * pool's worker, not the daemon it started: the mark is ours.) */
static int retired_connection(const struct http_request *r)
{
	if (!r->conn)
		return 0;
	pthread_mutex_lock(&r->srv->mu);
	int retired = r->conn->retired;
	pthread_mutex_unlock(&r->srv->mu);
	return retired;
}

static enum MHD_Result respond(struct http_request *r, struct http_response *resp)
{
	const char *inm = resp->status == 200 && resp->etag_text[0]
			      ? MHD_lookup_connection_value(r->mc, MHD_HEADER_KIND, "If-None-Match")
			      : NULL;
	if (inm && strstr(inm, resp->etag_text)) {
		free(resp->body);
		resp->body = NULL;
		resp->len = 0;
		resp->status = 304;
	}
	set_phase(r, SENDING, resp->len);
	/* A relayed HEAD: the length of a body MHD does not send for HEAD (so never asks). */
	struct MHD_Response *mr =
	    !resp->len && resp->head_length
		? MHD_create_response_from_callback(resp->head_length, 4096, no_body, NULL, NULL)
		: MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
	/* The body of a relayed HEAD is not sent: freed once the headers are added, since the
	 * relay keeps its header values in the same buffer (common/front.c). */
	int unsent = !resp->len && resp->head_length;
	MHD_add_response_header(mr, "Content-Type",
				resp->content_type ? resp->content_type
						   : "text/plain; charset=utf-8");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Cache-Control",
				resp->cache_control ? resp->cache_control : "no-store");
	if (resp->etag)
		MHD_add_response_header(mr, "ETag", resp->etag);
	if (resp->content_encoding)
		MHD_add_response_header(mr, "Content-Encoding", resp->content_encoding);
	if (resp->vary)
		MHD_add_response_header(mr, "Vary", resp->vary);
	MHD_add_response_header(mr, "Content-Security-Policy",
				resp->csp ? resp->csp
					  : "default-src 'none'; frame-ancestors 'none'");
	/* The page's requests carry no token in their URLs, but nothing needs the referrer. */
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	/* Served over TLS: browsers come back over TLS only, for a year (a TLS proxy in front
	 * says so itself: packaging/nginx/wiqaya.conf). */
	if (r->srv->o.tls_cert && r->srv->o.tls_key)
		MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000");
	if (resp->content_disposition)
		MHD_add_response_header(mr, "Content-Disposition", resp->content_disposition);
	if (resp->retry_after) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", resp->retry_after);
		MHD_add_response_header(mr, "Retry-After", ra);
	}
	if (unsent)
		free(resp->body);
	if (resp->status == 401)
		MHD_add_response_header(mr, "WWW-Authenticate", "Bearer");
	if (r->must_close || resp->status == 503 || resp->status == 413 || resp->status == 414 ||
	    retired_connection(r))
		MHD_add_response_header(mr, "Connection", "close");
	enum MHD_Result ret = MHD_queue_response(r->mc, resp->status, mr);
	MHD_destroy_response(mr);
	metrics_observe(r->srv->metrics, r->route, resp->status, clock_now() - r->t0);
	char method[17];
	method_text(r->method, method);
	/* The route, never the path or query string as sent (request text: it may hold
	 * anything, a forged log line among it). */
	log_info("%s %s %s %u %.1f ms in=%zu out=%zu", r->srv->o.name, method,
		 r->route ? r->route->path : "-", resp->status, (clock_now() - r->t0) * 1e3,
		 r->in_bytes, resp->len);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct http_server *s = cls;
	struct http_request *r = *state;
	thread_metrics = s->metrics;
	(void)mc; /* the request holds it, from on_uri */
	if (!r)	  /* no URI callback ran (cannot happen with it set): refuse */
		return MHD_NO;
	/* A connection the core cut off (not the front's, or past a deadline) may still have
	 * had a request queued before it was accepted: nothing of it is served. */
	if (r->conn) {
		pthread_mutex_lock(&s->mu);
		int cut = r->conn->cut;
		pthread_mutex_unlock(&s->mu);
		if (cut)
			return MHD_NO;
	}
	if (!r->method) {
		/* The headers are in: everything is decided on them now, before the body. A
		 * refusal is answered at once (MHD then sends no 100 Continue, reads no body and
		 * closes the connection); an admitted request's body has its deadline. */
		r->method = method;
		r->path = url;
		struct http_response resp = {0};
		if (admit(r, version, &resp) < 0) {
			r->must_close = 1;
			return respond(r, &resp);
		}
		set_phase(r, READING_BODY, 0);
		return MHD_YES;
	}
	if (*upload_size) {
		/* The body, read by us. Its length was checked on the headers; a chunked body
		 * past the limit loses its connection (no answer can be queued mid-body). */
		size_t n = *upload_size;
		r->in_bytes += n;
		if (r->in_bytes > (size_t)s->cfg->max_body_bytes)
			return MHD_NO;
		*upload_size = 0;
		if (r->stream) {
			/* A front's: streamed on as it comes, never held whole. */
			if (s->o.stream_feed(r->stream, upload, n) < 0)
				return MHD_NO;
			set_body_bytes(r, r->in_bytes);
			return MHD_YES;
		}
		xgrow((void **)&r->body, &r->body_cap, r->body_len + n + 1, 1);
		memcpy(r->body + r->body_len, upload, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		set_body_bytes(r, r->body_len);
		return MHD_YES;
	}
	pthread_mutex_lock(&s->mu);
	int resumed = r->resumed, deferred = r->deferred;
	r->resumed = r->deferred = 0;
	pthread_mutex_unlock(&s->mu);
	if (resumed) /* the deferred answer, handed over by http_resume */
		return respond(r, &r->later);
	if (deferred) /* suspended: MHD calls again once the answer is resumed */
		return MHD_YES;
	struct http_response resp = {0};
	set_phase(r, ANSWERING, 0);
	r->route->handler(r, &resp);
	pthread_mutex_lock(&s->mu);
	/* Deferred and not yet resumed: the answer comes later, through http_resume. */
	deferred = r->deferred && !r->resumed;
	if (r->resumed) { /* resumed before the handler returned: MHD calls again */
		pthread_mutex_unlock(&s->mu);
		return MHD_YES;
	}
	pthread_mutex_unlock(&s->mu);
	if (deferred)
		return MHD_YES;
	if (!resp.status)
		http_problem(&resp, 500, "H1500", "internal error", NULL, NULL);
	return respond(r, &resp);
}

void http_defer(struct http_request *r)
{
	struct http_server *s = r->srv;
	MHD_suspend_connection(r->mc);
	pthread_mutex_lock(&s->mu);
	r->deferred = 1;
	pthread_mutex_unlock(&s->mu);
}

void http_resume(struct http_request *r, struct http_response *resp)
{
	struct http_server *s = r->srv;
	/* The request stays active (http_stop waits) until it completes, after this. */
	pthread_mutex_lock(&s->mu);
	r->later = *resp;
	r->resumed = 1;
	pthread_mutex_unlock(&s->mu);
	MHD_resume_connection(r->mc);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **state,
			 enum MHD_RequestTerminationCode code)
{
	struct http_server *s = cls;
	struct http_request *r = *state;
	(void)code; /* every ending is cleaned up alike */
	/* The bearer token as MHD read it, in the connection's pool, is wiped: a pool of
	 * 32 KiB or less is malloc'd and freed uncleared (behind a front, at every request's
	 * end), and would leave the token in the heap. */
	const char *auth = NULL;
	size_t auth_len = 0;
	if (MHD_lookup_connection_value_n(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION,
					  strlen(MHD_HTTP_HEADER_AUTHORIZATION), &auth,
					  &auth_len) == MHD_YES &&
	    auth)
		sodium_memzero((char *)auth, auth_len);
	if (r) {
		if (r->counted)
			inflight_add(r->client, -1);
		if (r->stream)
			s->o.stream_close(r->stream);
		if (r->resumed) /* handed over, never sent (the connection ended first) */
			free(r->later.body);
		if (r->admitted) {
			pthread_mutex_lock(&s->mu);
			s->active--;
			pthread_cond_broadcast(&s->completed);
			pthread_mutex_unlock(&s->mu);
		}
		free(r->target);
		free(r->body);
		free(r);
		*state = NULL;
	}
	/* A keep-alive connection waits for its next request's headers: the deadline again. */
	struct conn *c = conn_of(mc);
	if (c) {
		pthread_mutex_lock(&s->mu);
		c->phase = AWAITING_HEADERS;
		c->phase_start = clock_now();
		c->body_bytes = 0;
		pthread_mutex_unlock(&s->mu);
	}
}

/* What http_start made before its daemon. */
static void server_free(struct http_server *s)
{
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->completed);
	metrics_free(s->metrics);
	rate_free(s->rate);
	rate_free(s->auth_fail);
	free(s->spares);
	free(s);
}

/* A TCP socket listening on ADDR (address reuse on, as MHD sets it), or -1. */
static int listen_tcp(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(fd, (const struct sockaddr *)addr, sizeof *addr) < 0 || listen(fd, 512) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A daemon serving the listening socket LISTENER, over TLS with CERT and KEY (PEM text)
 * when both are given; NULL if MHD refuses (the port, or a certificate it cannot use),
 * having closed LISTENER. */
static struct MHD_Daemon *daemon_start(struct http_server *s, int listener, const char *cert,
				       const char *key)
{
	int tls = cert && key;
	return MHD_start_daemon(
	    s->flags | (tls ? MHD_USE_TLS : 0), 0, on_accept, s, on_request, s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listener, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)s->o.threads, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)s->cfg->connection_timeout, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(s->cfg->max_connections + CONNECTION_SLACK),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->pool, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, s,
	    /* The key and certificate last: without TLS the list ends before them. */
	    tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_END);
}

struct http_server *http_start(const struct wq_config *cfg, const struct http_options *o,
			       struct wq_error *e)
{
	struct sockaddr_in addr = {0};
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)o->port);
	if (!o->front_pid && inet_pton(AF_INET, o->listen, &addr.sin_addr) != 1) {
		err_set(e, "S5001", "listen address \"%s\" is not an IPv4 address", o->listen);
		return NULL;
	}
	if (o->tls_cert && o->tls_key && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		err_set(e, "S5002", "this libmicrohttpd was built without TLS");
		return NULL;
	}
	struct http_server *s = xcalloc(1, sizeof *s);
	s->cfg = cfg;
	s->o = *o;
	s->metrics = metrics_new(o->routes, o->nroutes);
	s->rate = rate_new(cfg->rate_per_token, cfg->rate_per_token);
	s->auth_fail =
	    rate_new(cfg->auth_failures_per_minute / 60.0, cfg->auth_failures_per_minute);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->completed, NULL);
	/* A connection's memory pool: the request's line and headers, read whole before we
	 * can refuse anything, and a record of 64 bytes for each query parameter MHD parses:
	 * at most HTTP_MAX_PARAMS (on_uri). Facing clients, 64 KiB and 32 bytes a byte of
	 * max_url_bytes (196 KiB at the default 4,096; 1 MiB at the most the config takes,
	 * 30,720): room to read a URL many times too long, or headers of over 100 KB, and
	 * refuse them ourselves (414 H1414, 431); longer ones MHD refuses with its own 414 or
	 * 431, never with a lost connection. Not more than that: libmicrohttpd 0.9.75 zeroes
	 * the whole pool of a connection between two of its requests (at 1 MiB, a sixth of
	 * the front's time). Behind a front, a request has passed the front's checks: its
	 * URL within max_url_bytes, at most HTTP_MAX_PARAMS parameters, the headers the front
	 * passes on within FRONT_HEADERS_MAX (common/front.h). 32 KiB holds that at the
	 * default max_url_bytes (tests/integration/http.sh sends the largest such request;
	 * above it the pool is mapped again, as the intake's is: identifying_bodies),
	 * and MHD takes a pool of at most 32 KiB from malloc, where it maps a larger one for
	 * each connection and unmaps it at its close (every request, behind a front), which
	 * stops the process's other threads for the TLB: /healthz went from about 8,500 to
	 * about 13,500 answers a second (docs/architecture.md). */
	size_t pool = 65536 + 32 * (size_t)cfg->max_url_bytes;
	if (o->front_pid && !o->identifying_bodies)
		pool = 16384 + 4 * (size_t)cfg->max_url_bytes;
	s->pool = pool;
	s->flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	/* The listening socket is ours (MHD is handed it): a TCP one bound here, or the data
	 * side's Unix socket, which its front connects to. */
	int listener = o->front_pid ? o->front_socket : listen_tcp(&addr);
	if (listener < 0) {
		err_set(e, "S5001", "could not listen on %s:%d: %s", o->listen, o->port,
			strerror(errno));
		server_free(s);
		return NULL;
	}
	s->listener = listener;
	s->daemon = daemon_start(s, listener, o->tls_cert, o->tls_key);
	if (!s->daemon) { /* (MHD closed the listening socket it was handed: daemon_start) */
		err_set(e, "S5001", "could not listen on %s:%d", o->listen, o->port);
		server_free(s);
		return NULL;
	}
	pthread_create(&s->sweeper, NULL, sweep, s);
	if (o->db_user && o->threads > 0) {
		s->spares = xcalloc((size_t)o->threads, sizeof *s->spares);
		s->making_spares = pthread_create(&s->spare_maker, NULL, make_spares, s) == 0;
	}
	return s;
}

int http_retls(struct http_server *s, const char *cert, const char *key, struct wq_error *e)
{
	if (!(s->o.tls_cert && s->o.tls_key))
		return err_set(e, "S5008", "%s does not serve TLS: no certificate to replace",
			       s->o.name);
	/* The new daemon accepts on the same socket (a copy of its descriptor, which MHD
	 * closes when it refuses) before the old one stops accepting: no connection is refused
	 * in between. A certificate MHD cannot use leaves the old daemon as it was. */
	int listener = fcntl(s->listener, F_DUPFD_CLOEXEC, 0);
	if (listener < 0)
		return err_set(e, "S5008", "%s: no descriptor for a new daemon: %s", s->o.name,
			       strerror(errno));
	struct MHD_Daemon *fresh = daemon_start(s, listener, cert, key);
	if (!fresh) {
		err_set(e, "S5008", "%s: the new certificate or key was refused", s->o.name);
		err_detail(e, "libmicrohttpd could not start with them (its log line above says "
			      "why); the old certificate serves on.");
		return -1;
	}
	struct retired *r = xcalloc(1, sizeof *r);
	pthread_mutex_lock(&s->mu);
	if (s->stopping) { /* a stop came meanwhile: the new daemon goes, the old one stops */
		pthread_mutex_unlock(&s->mu);
		MHD_stop_daemon(fresh);
		close(listener);
		free(r);
		return err_set(e, "S5008", "%s is stopping: the certificate was not replaced",
			       s->o.name);
	}
	r->daemon = s->daemon;
	s->daemon = fresh;
	/* Its open connections finish on the old certificate (told to close after their
	 * answer: http_respond); its copy of the socket is closed once it has stopped. */
	r->listener = MHD_quiesce_daemon(r->daemon);
	s->listener = listener;
	/* The connections open now are the old daemon's (and perhaps a few the new one took
	 * meanwhile, which then close after one answer: no harm). */
	for (struct conn *c = s->conns; c; c = c->next)
		c->retired = 1;
	r->next = s->retired;
	s->retired = r;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int http_port(const struct http_server *s)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	if (getsockname(s->listener, (struct sockaddr *)&a, &len) < 0 || a.sin_family != AF_INET)
		return s->o.port;
	return ntohs(a.sin_port);
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	/* No request is admitted from now on (503); every one admitted before finishes: its
	 * body (the sweeper still holds it to its deadlines), its handler, its deferred
	 * answer (stopping with a suspended connection is an API violation of MHD). Then no
	 * new connection, and the daemon stops. */
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	while (s->active > 0)
		pthread_cond_wait(&s->completed, &s->mu);
	s->stopping = 2;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->sweeper, NULL);
	if (s->making_spares)
		pthread_join(s->spare_maker, NULL);
	pthread_mutex_lock(&s->mu);
	struct retired *retired = s->retired;
	s->retired = NULL;
	pthread_mutex_unlock(&s->mu);
	retired_stop(retired); /* no request left on them: their connections idle */
	MHD_socket listener = MHD_quiesce_daemon(s->daemon);
	MHD_stop_daemon(s->daemon);
	if (listener != MHD_INVALID_SOCKET && !s->o.front_pid)
		close(listener); /* the data side's socket is its caller's to close */
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < ndbs; i++)
		PQfinish(dbs[i]);
	free(dbs);
	dbs = NULL;
	ndbs = capdbs = 0;
	pthread_mutex_unlock(&conns_lock);
	server_free(s);
}
