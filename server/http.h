/* The HTTP core of wiqaya-server on libmicrohttpd: a const route table, request and
 * response structs, problem+json errors (RFC 9457) and one database connection per
 * server thread. Handlers never see libmicrohttpd's types beyond the request. */
#ifndef WQ_HTTP_H
#define WQ_HTTP_H

#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>

#include "common/codelist.h"
#include "common/config.h"
#include "server/indicator.h"

struct server {
	const struct wq_config *cfg;
	struct codelists lists;
	struct indicators indicators;
	struct MHD_Daemon *daemon;
};

struct http_req {
	struct MHD_Connection *conn;
	const char *method, *path;
	struct server *srv;
};

struct http_resp {
	unsigned status;
	const char *content_type;
	char *body; /* malloc'd */
	size_t len;
	int retry_after; /* seconds, 0 for none */
};

typedef void (*http_handler)(struct http_req *req, struct http_resp *resp);

struct route {
	const char *method, *path;
	http_handler handler;
};

/* The routes, defined in routes.c. */
extern const struct route http_routes[];
extern const size_t http_nroutes;

/* Starts serving on cfg's listen address and port. Returns 0, or -1 with e set (S5001). */
int http_start(struct server *srv, struct wq_error *e);
void http_stop(struct server *srv);

/* Responses. http_json steals the reference to body. */
void http_json(struct http_resp *resp, unsigned status, json_t *body);
/* A problem+json response: type derived from code, title, status, detail, code, hint. */
void http_problem(struct http_resp *resp, unsigned status, const char *code, const char *title,
		  const char *detail, const char *hint);

/* The value of query parameter NAME, or NULL. Not copied: valid during the request. */
const char *http_query(const struct http_req *req, const char *name);
/* Every value of a repeated query parameter, up to max; returns the count. */
int http_query_all(const struct http_req *req, const char *name, const char **out, int max);

/* This thread's database connection as the reader role, connecting (with retry) on first
 * use and again after a failure. NULL when the database is unreachable. */
PGconn *http_db(struct http_req *req);
/* Drops this thread's connection after an error that may have broken it. */
void http_db_reset(void);

#endif
