/* The HTTP front (see front.h). */
#include "server/front.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/http.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/routes.h"

/* The headers a handler of the data process reads; no other is forwarded. */
static const char *const passed[] = {"Authorization",	"Accept",	 "Accept-Language",
				     "Accept-Encoding", "If-None-Match", "Content-Type",
				     "Idempotency-Key"};

/* The answer headers the front passes back, and where each goes in the response. */
enum { H_TYPE, H_CACHE, H_ETAG, H_ENCODING, H_VARY, H_CSP, H_DISPOSITION, H_RETRY, H_LENGTH, H_N };
static const char *const kept[H_N] = {
    "Content-Type",	   "Cache-Control", "ETag",
    "Content-Encoding",	   "Vary",	    "Content-Security-Policy",
    "Content-Disposition", "Retry-After",   "Content-Length"};

/* An answer as big as the largest the data process makes is far below this. */
#define MAX_ANSWER ((size_t)1 << 30)

struct front {
	struct sockaddr_un addr;
	socklen_t len;
	int timeout; /* seconds a send or receive may wait: past the slowest answer */
};

/* The response's header values live until the core has sent it: after the handler
 * returns, in the same thread, before its next request. */
static __thread struct strbuf held;

/* A connection to the data process, whose every send and receive is bounded: a stuck
 * data process costs a request its 503, not the front its thread. */
static int data_connect(const struct front *f)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval t = {f->timeout, 0};
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t) == 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t) == 0 &&
	    connect(fd, (const struct sockaddr *)&f->addr, f->len) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The request as the data process gets it: the target as sent (the core has checked it),
 * the client the core found, the headers a handler reads, the body. */
static void request_text(struct http_request *req, struct strbuf *out)
{
	const char *body;
	size_t len;
	http_body(req, &body, &len);
	sb_printf(out, "%s %s HTTP/1.1\r\nHost: wiqaya\r\nConnection: close\r\n", http_method(req),
		  http_target(req));
	sb_printf(out, "X-Forwarded-For: %s\r\n", http_client(req));
	for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++) {
		const char *v = http_header(req, passed[i]);
		if (v)
			sb_printf(out, "%s: %s\r\n", passed[i], v);
	}
	if (len)
		sb_printf(out, "Content-Length: %zu\r\n", len);
	sb_puts(out, "\r\n");
	sb_put(out, body, len);
}

/* Parses the data process's answer into resp. 0, or -1 when it is not one, or not whole
 * (a body shorter than its Content-Length; HEAD's has none). */
static int answer(const char *text, size_t n, int head, struct http_response *resp)
{
	const char *end = memmem(text, n, "\r\n\r\n", 4);
	if (end && memchr(text, '\0', (size_t)(end - text)))
		return -1; /* the headers are parsed as text below */
	unsigned status;
	if (!end || sscanf(text, "HTTP/1.%*[01] %3u", &status) != 1 || status < 100)
		return -1;
	size_t at[H_N] = {0};
	int have[H_N] = {0};
	if (!held.data)
		sb_init(&held); /* a thread's first answer; kept for its next ones */
	sb_reset(&held);
	for (const char *line = strstr(text, "\r\n") + 2; line < end;) {
		const char *eol = strstr(line, "\r\n"),
			   *colon = memchr(line, ':', (size_t)(eol - line));
		for (int h = 0; colon && h < H_N; h++) {
			size_t k = strlen(kept[h]);
			if ((size_t)(colon - line) != k || strncasecmp(line, kept[h], k) != 0)
				continue;
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			at[h] = held.len;
			have[h] = 1;
			sb_put(&held, v, (size_t)(eol - v));
			sb_putc(&held, '\0');
		}
		line = eol + 2;
	}
	const char *body = end + 4;
	const char *v[H_N];
	for (int h = 0; h < H_N; h++)
		v[h] = have[h] ? held.data + at[h] : NULL;
	size_t got = n - (size_t)(body - text);
	if (!head && status != 304 && (!v[H_LENGTH] || strtoull(v[H_LENGTH], NULL, 10) != got))
		return -1;
	http_text(resp, status, v[H_TYPE], body, got);
	resp->cache_control = v[H_CACHE];
	resp->etag = v[H_ETAG];
	resp->content_encoding = v[H_ENCODING];
	resp->vary = v[H_VARY];
	resp->csp = v[H_CSP];
	resp->content_disposition = v[H_DISPOSITION];
	resp->retry_after = v[H_RETRY] ? atoi(v[H_RETRY]) : 0;
	return 0;
}

/* Every route's handler in the front: the request to the data process, its answer back. */
static void forward(struct http_request *req, struct http_response *resp)
{
	const struct front *f = http_app(req);
	struct strbuf out, in;
	sb_init(&out);
	sb_init(&in);
	request_text(req, &out);
	int fd = data_connect(f), ok = fd >= 0 && send_all(fd, out.data, out.len) == 0;
	char buf[65536];
	ssize_t k;
	while (ok && (k = recv(fd, buf, sizeof buf, 0)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 || in.len + (size_t)k > MAX_ANSWER)
			ok = 0;
		else
			sb_put(&in, buf, (size_t)k);
	}
	if (fd >= 0)
		close(fd);
	int head = strcmp(http_method(req), "HEAD") == 0;
	if (!ok || answer(in.data, in.len, head, resp) < 0) {
		http_problem(resp, 503, "S5005", "the data process did not answer", NULL, NULL);
		resp->retry_after = 1;
	}
	sodium_memzero(out.data, out.len); /* it held the bearer token */
	sb_free(&out);
	sb_free(&in);
}

/* What the front gives up at once, before it has a thread (no_new_privs is a thread's,
 * inherited by the threads it makes): new privileges (setuid programs), core dumps, being
 * traced; and its end with the data process's. */
static int confine(pid_t parent, struct wq_error *e)
{
	struct rlimit none = {0, 0};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || setrlimit(RLIMIT_CORE, &none) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
		return err_set(e, "S5006", "the front could not confine itself: %s",
			       strerror(errno));
	if (getppid() != parent) /* the data process ended before the signal was armed */
		_exit(0);
	return 0;
}

/* Once it listens (a port below 1024 needs root): run as root, it becomes nobody, in every
 * thread (glibc changes them all). A change of identity disarms the parent-death signal
 * and resets dumpable, so both are set again. */
static int drop_root(pid_t parent, struct wq_error *e)
{
	if (geteuid() != 0)
		return 0;
	const struct passwd *pw = getpwnam("nobody");
	uid_t uid = pw ? pw->pw_uid : 65534;
	gid_t gid = pw ? pw->pw_gid : 65534;
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0 || setuid(0) == 0)
		return err_set(e, "S5006", "the front could not drop root: %s", strerror(errno));
	return confine(parent, e);
}

/* A PEM file's text, or NULL with e set (S5003). */
static char *read_pem(const char *path, struct wq_error *e)
{
	struct strbuf sb;
	sb_init(&sb);
	if (sb_read_file(&sb, path) < 0) {
		err_set(e, "S5003", "could not read \"%s\": %s", path, strerror(errno));
		sb_free(&sb);
		return NULL;
	}
	return sb.data;
}

/* The front's life: serve until SIGTERM (sent by front_stop, or by the kernel when the
 * data process ends) or SIGINT. The stop signals are blocked by the caller. */
static void run(const struct wq_config *cfg, struct front *f, pid_t parent)
{
	struct wq_error e;
	sigset_t set;
	int sig;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	struct http_route *routes = xcalloc(server_nroutes, sizeof *routes);
	for (size_t i = 0; i < server_nroutes; i++) {
		routes[i] = server_routes[i];
		routes[i].handler = forward;
	}
	/* TLS ends here: the certificate's key is the one secret the front holds. */
	int tls = cfg->tls_cert[0] && cfg->tls_key[0];
	char *cert = tls ? read_pem(cfg->tls_cert, &e) : NULL;
	char *key = cert ? read_pem(cfg->tls_key, &e) : NULL;
	if (tls && !key) {
		err_print(&e, stderr);
		_exit(2);
	}
	struct http_options o = {.name = "wiqaya-server front",
				 .listen = cfg->server_listen,
				 .port = cfg->server_port,
				 .threads = cfg->server_threads,
				 .routes = routes,
				 .nroutes = server_nroutes,
				 .app = f,
				 .trusted_proxy = cfg->trusted_proxy,
				 .tls_cert = cert,
				 .tls_key = key};
	struct http_server *http = http_start(cfg, &o, &e);
	if (key)
		sodium_memzero(key, strlen(key));
	if (!http || drop_root(parent, &e) < 0) {
		err_print(&e, stderr);
		_exit(2);
	}
	log_info("listening on %s://%s:%d", cert ? "https" : "http", cfg->server_listen,
		 cfg->server_port);
	sigwait(&set, &sig);
	http_stop(http);
	_exit(0);
}

int front_start(const struct wq_config *cfg, struct keyring *keys, int *sock, pid_t *pid,
		struct wq_error *e)
{
	/* An abstract address (no file to leave behind or to guard), unguessable; the data
	 * process answers the front's pid only (SO_PEERCRED, common/http.c). */
	static struct front f;
	uint8_t r[8];
	randombytes_buf(r, sizeof r);
	memset(&f.addr, 0, sizeof f.addr);
	f.addr.sun_family = AF_UNIX;
	int n = snprintf(f.addr.sun_path + 1, sizeof f.addr.sun_path - 1,
			 "wiqaya-server/%ld/%02x%02x%02x%02x%02x%02x%02x%02x", (long)getpid(), r[0],
			 r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	f.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	f.timeout = cfg->statement_timeout_ms / 1000 * 4 + 30;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&f.addr, f.len) < 0 || listen(fd, 512) < 0) {
		if (fd >= 0)
			close(fd);
		return err_set(e, "S5001", "could not make the data socket: %s", strerror(errno));
	}
	pid_t parent = getpid(), child = fork();
	if (child < 0) {
		close(fd);
		return err_set(e, "S5001", "could not start the front: %s", strerror(errno));
	}
	if (child == 0) {
		close(fd);
		keyring_free(keys); /* the front's copy: wiped before a byte is read */
		if (confine(parent, e) < 0) {
			err_print(e, stderr);
			_exit(2);
		}
		run(cfg, &f, parent);
	}
	*sock = fd;
	*pid = child;
	return 0;
}

void front_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
