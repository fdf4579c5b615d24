/* The HTTP core both servers share (wiqaya-server's analytics API, wiqaya-etl serve's
 * intake), on libmicrohttpd: a route table, request accessors, responses, problem+json
 * errors (RFC 9457), one database connection per thread, and the limits every request is
 * held to. Handlers never see a libmicrohttpd type; policy (which addresses, which role)
 * is the program's, passed in http_options.
 *
 * Held by the core, before any handler runs, and all but the body's size on the request's
 * headers, before its body is read (tests/integration/http.sh, http_limits.sh; the threat
 * model is docs/security.md):
 *   - a request's headers must arrive within header_timeout seconds of the connection
 *     (a client sending a byte a second is cut off), and its body, after the same grace,
 *     at min_body_rate bytes a second; besides the inactivity timeout;
 *   - an address holding connections_per_ip connections and 2 more gets no more (refused
 *     at accept); past max_connections, or past connections_per_ip for one client, the
 *     answer is a 503 with Retry-After; behind a configured trusted proxy the client is
 *     the last address of its X-Forwarded-For, so one proxy's clients are told apart;
 *   - a request framed two ways is a 400 and its connection closed (RFC 9112 6.3): a
 *     Content-Length twice or beside a transfer coding, a coding other than chunked, a NUL
 *     in the path or a header, an HTTP/1.1 request without exactly one Host;
 *   - the URL, query string included, is at most max_url_bytes (414), the headers fit the
 *     connection's memory (431);
 *   - only the route's own query parameters, each once unless the route lets it repeat,
 *     at most HTTP_MAX_PARAMS in all, and no NUL in a value: otherwise 400 problem+json
 *     naming the parameter;
 *   - HEAD is answered wherever GET is, without the body;
 *   - no body where the method takes none (GET, HEAD: 400), none longer than
 *     max_body_bytes by its Content-Length (413; a chunked body past it loses its
 *     connection); a body is read by the core, never by MHD's post processor;
 *   - the bearer token is checked (common/token.h) and the route's roles enforced: 401
 *     without a valid token where the public is not admitted, 403 for a role not listed;
 *     a client past auth_failures_per_minute invalid tokens gets 429s, unchecked;
 *   - a refusal is answered at once: no 100 Continue, no body read, the connection closed;
 *   - the access log has method, route, status, duration and sizes, never a path or a
 *     query string as sent, never a token. */
#ifndef WQ_HTTP_H
#define WQ_HTTP_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/config.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "common/token.h"

/* The most query parameters a request takes (400 H1004 past it): more than any route's
 * grammar admits, and what the pool of a process behind a front is sized for. */
#define HTTP_MAX_PARAMS 64

struct http_request; /* opaque: read it with the accessors below */

struct http_response {
	unsigned status;
	const char *content_type;
	char *body; /* malloc'd */
	size_t len;
	int retry_after; /* seconds, 0 for none */
	const char *content_disposition;
	/* Caching and the page's policy, for the dashboard's files (server/web.c); NULL gives
	 * an API answer's: Cache-Control no-store, no ETag, and a Content-Security-Policy
	 * that lets the answer load and run nothing. */
	const char *cache_control, *etag, *csp;
	const char *content_encoding; /* "gzip" for a precompressed body; NULL none */
	const char *vary;	      /* the request headers the answer depends on */
	/* A HEAD answer relayed without its body (common/front.c): the body's length, for
	 * Content-Length, when len is 0. */
	size_t head_length;
	char etag_text[48]; /* http_etag_body's tag, which etag then points at */
};

typedef void (*http_handler)(struct http_request *req, struct http_response *resp);

/* A route: method, path (a trailing "/" and "*" match one more segment, a trailing "**" one or
 * more), the handler, the query parameters it takes, NULL-terminated (a name ending in "*",
 * "dimension*", may be given more than once; NULL takes none), and the roles it admits (enum role
 * bits; ROLE_PUBLIC: without a token). Deny by default: a role not listed gets a 403, a request
 * without a token on a route that does not admit the public a 401. */
struct http_route {
	const char *method, *path;
	http_handler handler;
	const char *const *params;
	unsigned roles;
};

struct http_options {
	const char *name; /* the server's name in its log lines */
	const char *listen;
	int port, threads;
	const char *db_user; /* the role each thread connects as; NULL: no database */
	/* Runs a request's statements once on each connection made at start, so that a
	 * thread's first request finds them compiled and the catalogue read; NULL: none. */
	void (*db_warm)(PGconn *conn);
	const struct http_route *routes;
	size_t nroutes;
	void *app;			 /* the program's own state, for its handlers: http_app() */
	const char *trusted_proxy;	 /* NULL or "": X-Forwarded-For is never believed */
	const uint8_t *token_key;	 /* checks bearer tokens (common/token.h) */
	struct token_cache *token_cache; /* NULL: every token from the database */
	const char *tls_cert, *tls_key;	 /* PEM text: serve HTTPS; NULL: plain HTTP */
	/* The data side of a privilege-separated server (common/front.h): when front_pid is
	 * set, serve the listening Unix socket front_socket instead of listen:port, accept
	 * connections from that process only (SO_PEERCRED), and take each request's client
	 * from its X-Forwarded-For, which the front sets. */
	pid_t front_pid;
	int front_socket;
	/* Request bodies name people (the intake's submissions): a connection's pool, which
	 * holds a body's bytes as they are read, is then sized as facing clients, which
	 * libmicrohttpd maps apart and unmaps at the connection's end (the kernel clears it),
	 * never the 32 KiB it would take from malloc and free uncleared (http.c). */
	int identifying_bodies;
	/* A front's streams (common/front.h): once the core has admitted a request on its
	 * headers, stream_open offers it on (0 with *state set, or -1 with resp the answer,
	 * sent at once); its body then goes, piece by piece, to stream_feed (-1 drops the
	 * connection) instead of the request's buffer; stream_close frees the state when the
	 * request completes. NULL: bodies are read whole, as http_body gives them. */
	int (*stream_open)(struct http_request *r, struct http_response *resp, void **state);
	int (*stream_feed)(void *state, const char *data, size_t n);
	void (*stream_close)(void *state);
};

struct http_server;

/* Starts serving; limits come from cfg's [limits]. Returns NULL with e set (S5001). */
struct http_server *http_start(const struct wq_config *cfg, const struct http_options *o,
			       struct wq_error *e);
void http_stop(struct http_server *s);
/* Serves new connections over TLS with CERT and KEY (PEM text, which may be wiped on
 * return), the connections open finishing on the old ones: a certificate renewed without
 * a restart. 0, or -1 with e set (S5008: not serving TLS, or MHD refused them, the old
 * ones serving on). */
int http_retls(struct http_server *s, const char *cert, const char *key, struct wq_error *e);
/* The port it listens on (the one the system chose for port 0). */
int http_port(const struct http_server *s);

/* The request. Strings are valid during the request. */
void *http_app(const struct http_request *r);
const struct wq_config *http_config(const struct http_request *r);
const char *http_method(const struct http_request *r);
const char *http_path(const struct http_request *r); /* without the query string */
/* The request target as sent: path and query string, not decoded. */
const char *http_target(const struct http_request *r);
const char *http_header(const struct http_request *r, const char *name);
/* The value of query parameter NAME, or NULL. */
const char *http_query(const struct http_request *r, const char *name);
/* Every value of a repeatable query parameter, up to max; returns how many were given. */
int http_query_all(const struct http_request *r, const char *name, const char **out, int max);
/* The request body as read by the core (at most [limits] max_body_bytes): 0, with *data
 * and *len set (len 0 for none). */
int http_body(const struct http_request *r, const char **data, size_t *len);
/* The state stream_open made for the request (NULL without one). */
void *http_stream(const struct http_request *r);
/* The client's address: the peer, or behind the trusted proxy its X-Forwarded-For. */
const char *http_client(const struct http_request *r);
/* Who is asking, as the core's token check found it (the public without a token). */
const struct principal *http_principal(const struct http_request *r);
/* Appends the core's metrics (common/metrics.h: requests by route and status, latency
 * histograms, database errors, open connections) in Prometheus text format. */
void http_metrics(const struct http_request *r, const char *prefix, struct strbuf *out);

/* This thread's database connection as the server's role: one made at start (http_start
 * makes one a thread, and runs http_options db_warm on each), else connecting (with retry)
 * on first use and again after a failure. NULL when the database is unreachable. */
PGconn *http_db(struct http_request *r);
/* Drops this thread's connection after an error that may have broken it. */
void http_db_reset(void);

/* An answer that comes later (the intake's group commit): the handler calls http_defer,
 * hands the request to another thread and returns without an answer; that thread then
 * calls http_resume exactly once with it. The request's thread is free meanwhile, and
 * its strings stay valid until the answer is sent. */
void http_defer(struct http_request *r);
void http_resume(struct http_request *r, struct http_response *resp);

/* Tags a 200's body with its hash as ETag (the same bytes, the same tag: an official
 * release's answers, docs/releases.md), and lets clients keep it (private, revalidated). A
 * request whose If-None-Match names the tag gets 304 without the body. */
void http_etag_body(struct http_response *resp);

/* Responses. http_json steals the reference to body. */
void http_json(struct http_response *resp, unsigned status, json_t *body);
/* A body of another type (CSV, say); copies text. */
void http_text(struct http_response *resp, unsigned status, const char *content_type,
	       const char *text, size_t len);
/* The same, taking body (malloc'd, len bytes and a NUL) as it is: no copy. */
void http_text_take(struct http_response *resp, unsigned status, const char *content_type,
		    char *body, size_t len);
/* A problem+json response: type derived from code, title, status, detail, code, hint. */
void http_problem(struct http_response *resp, unsigned status, const char *code, const char *title,
		  const char *detail, const char *hint);
/* The same from a wq_error: its code, message (title), detail and hint. */
void http_problem_error(struct http_response *resp, unsigned status, const struct wq_error *e);
/* A 400 naming the query parameter at fault, in invalid_params (RFC 9457). */
void http_problem_param(struct http_response *resp, const char *code, const char *title,
			const char *param, const char *reason);

#endif
