/* The HTTP core both servers share (common/http.c over libmicrohttpd), through a socket:
 * one input is whatever a client sends on one connection (request line, headers, body,
 * pipelined requests), then the client's end of the connection is shut and the answer read
 * to its end. The server has a GET and a POST route that take parameters and a body, and
 * no database: what is fuzzed is the framing, the limits and the parameter checks that
 * run before any handler. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/http.h"
#include "common/log.h"
#include "tests/fuzz/fuzz.h"

static const char *const params[] = {"indicator", "dimension*", NULL};

static void get(struct http_request *req, struct http_response *resp)
{
	const char *v[4];
	int n = http_query_all(req, "dimension", v, 4);
	http_json(
	    resp, 200,
	    json_pack("{s:s?,s:i}", "indicator", http_query(req, "indicator"), "dimensions", n));
}

static void post(struct http_request *req, struct http_response *resp)
{
	const char *body;
	size_t len;
	http_body(req, &body, &len);
	http_json(resp, 200, json_pack("{s:I}", "bytes", (json_int_t)len));
}

static const struct http_route routes[] = {
    {"GET", "/healthz", get, params, ROLE_PUBLIC},
    {"POST", "/api/v1/cases", post, NULL, ROLE_PUBLIC},
};

static int port;

static void start(void)
{
	static struct wq_config cfg;
	struct wq_error e;
	config_defaults(&cfg);
	cfg.max_body_bytes = 65536;
	cfg.connections_per_ip = 100000; /* one client, connection after connection */
	cfg.max_connections = 100000;
	log_init("fuzz_http", LOG_ERROR);
	struct http_options o = {.name = "fuzz",
				 .listen = "127.0.0.1",
				 .port = 0,
				 .threads = 2,
				 .routes = routes,
				 .nroutes = 2};
	struct http_server *s = http_start(&cfg, &o, &e);
	if (!s) {
		fprintf(stderr, "fuzz_http: %s: %s\n", e.code, e.message);
		exit(1);
	}
	port = http_port(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!port)
		start();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval wait = {2, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return 0;
	}
	for (size_t off = 0; off < size;) {
		ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the server closed early: a refusal */
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	char buf[4096];
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;
	close(fd);
	return 0;
}
