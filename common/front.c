/* The HTTP front (see front.h): the core's stream hooks, which offer each request to the
 * data process on its headers and stream its body through; the forwarding handler; the
 * relay thread that reads the answers; and the process's confinement. */
#include "common/front.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/http.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

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

/* An answer as big as the largest the data process makes is far below this; an interim
 * answer's headers (100 Continue, or the refusal's) fit in the first. */
#define MAX_ANSWER ((size_t)1 << 30)
#define MAX_HEAD   ((size_t)1 << 16)

struct relay;

struct front {
	struct sockaddr_un addr;
	socklen_t len;
	int timeout; /* seconds a send or receive may wait: past the slowest answer */
	struct relay *relay;
};

/* One request's connection to the data process, from its headers to its answer. */
struct upstream {
	int fd;
	int chunked;	  /* its body goes on in chunks (the client's came chunked) */
	int head;	  /* HEAD: the answer has no body */
	struct strbuf in; /* the answer as read */
	double deadline;  /* the relay's: past it, the answer is a 503 */
	struct http_request *req;
	struct upstream *next, *prev; /* the relay's list */
};

/* ---- talking to the data process ---- */

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

/* Whether the request has a body, and how it came: chunked (1) or by its length (0). The
 * core has checked its framing: one of the two at most, the length in digits. */
static int has_body(struct http_request *req, int *chunked)
{
	const char *length = http_header(req, "Content-Length");
	*chunked = http_header(req, "Transfer-Encoding") != NULL;
	return *chunked || (length && strtoull(length, NULL, 10) > 0);
}

/* The request's head as the data process gets it: the target as sent (the core has
 * checked it), the client the core found, the headers a handler reads, the body's framing
 * as the client's, with Expect: 100-continue when there is a body. */
static void request_head(struct http_request *req, int body, int chunked, struct strbuf *out)
{
	sb_printf(out, "%s %s HTTP/1.1\r\nHost: wiqaya\r\nConnection: close\r\n", http_method(req),
		  http_target(req));
	sb_printf(out, "X-Forwarded-For: %s\r\n", http_client(req));
	for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++) {
		const char *v = http_header(req, passed[i]);
		if (v)
			sb_printf(out, "%s: %s\r\n", passed[i], v);
	}
	if (body && chunked)
		sb_puts(out, "Transfer-Encoding: chunked\r\n");
	else if (body)
		sb_printf(out, "Content-Length: %s\r\n", http_header(req, "Content-Length"));
	if (body)
		sb_puts(out, "Expect: 100-continue\r\n");
	sb_puts(out, "\r\n");
}

/* Parses the data process's answer into resp. 0, or -1 when it is not one, or not whole
 * (a body shorter than its Content-Length; HEAD's has none). The header values the front
 * keeps ride in the body's buffer, after its end: they live as long as the response. */
static int answer(const char *text, size_t n, int head, struct http_response *resp)
{
	const char *end = memmem(text, n, "\r\n\r\n", 4);
	if (end && memchr(text, '\0', (size_t)(end - text)))
		return -1; /* the headers are parsed as text below */
	unsigned status;
	if (!end || sscanf(text, "HTTP/1.%*[01] %3u", &status) != 1 || status < 200)
		return -1;
	const char *value[H_N] = {0};
	size_t vlen[H_N] = {0}, extra = 0;
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
			value[h] = v;
			vlen[h] = (size_t)(eol - v);
			extra += vlen[h] + 1;
		}
		line = eol + 2;
	}
	const char *body = end + 4;
	size_t got = n - (size_t)(body - text);
	if (!head && status != 304 &&
	    (!value[H_LENGTH] || strtoull(value[H_LENGTH], NULL, 10) != got))
		return -1;
	char *buf = xmalloc(got + extra + 1), *at = buf + got;
	memcpy(buf, body, got);
	const char *v[H_N] = {0};
	for (int h = 0; h < H_N; h++)
		if (value[h]) {
			memcpy(at, value[h], vlen[h]);
			at[vlen[h]] = '\0';
			v[h] = at;
			at += vlen[h] + 1;
		}
	*resp = (struct http_response){.status = status,
				       .content_type = v[H_TYPE],
				       .body = buf,
				       .len = got,
				       .cache_control = v[H_CACHE],
				       .etag = v[H_ETAG],
				       .content_encoding = v[H_ENCODING],
				       .vary = v[H_VARY],
				       .csp = v[H_CSP],
				       .content_disposition = v[H_DISPOSITION],
				       .retry_after = v[H_RETRY] ? atoi(v[H_RETRY]) : 0};
	if (head && v[H_LENGTH])
		resp->head_length = strtoull(v[H_LENGTH], NULL, 10);
	return 0;
}

static void unavailable(struct http_response *resp)
{
	http_problem(resp, 503, "S5005", "the data process did not answer", NULL, NULL);
	resp->retry_after = 1;
}

/* Reads until the data process has sent a whole head (1), closed the connection (0) or
 * failed (-1). */
static int read_head(int fd, struct strbuf *in)
{
	char buf[4096];
	while (!memmem(in->data ? in->data : "", in->len, "\r\n\r\n", 4)) {
		ssize_t k = recv(fd, buf, sizeof buf, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 || in->len + (size_t)k > MAX_HEAD)
			return -1;
		if (k == 0)
			return 0;
		sb_put(in, buf, (size_t)k);
	}
	return 1;
}

/* ---- the core's stream hooks ---- */

static void upstream_free(void *state)
{
	struct upstream *u = state;
	if (u->fd >= 0)
		close(u->fd);
	sb_free(&u->in);
	free(u);
}

/* On the request's headers, once the core has admitted it: the data process decides. A
 * request with a body waits for its 100 Continue (its body is then read and streamed) or
 * gets the data process's refusal, answered at once; one without goes on to the handler. */
static int upstream_open(struct http_request *req, struct http_response *resp, void **state)
{
	const struct front *f = http_app(req);
	size_t passing = 0;
	for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++) {
		const char *v = http_header(req, passed[i]);
		passing += v ? strlen(v) : 0;
	}
	if (passing > FRONT_HEADERS_MAX) {
		char detail[160];
		snprintf(detail, sizeof detail,
			 "Authorization, Accept, Accept-Language, Accept-Encoding, If-None-Match, "
			 "Content-Type and Idempotency-Key take at most %d bytes together.",
			 FRONT_HEADERS_MAX);
		http_problem(resp, 431, "H1431", "request header fields too large", detail, NULL);
		return -1;
	}
	struct upstream *u = xcalloc(1, sizeof *u);
	sb_init(&u->in);
	u->head = strcmp(http_method(req), "HEAD") == 0;
	int body = has_body(req, &u->chunked);
	struct strbuf out;
	sb_init(&out);
	/* Its whole size at once: grown while written, the bearer token's earlier copies
	 * would be freed unwiped (the headers passed, the target, the client's address, and
	 * the names and fixed lines, well under 1 KiB). */
	sb_reserve(&out, passing + strlen(http_target(req)) + strlen(http_client(req)) + 1024);
	request_head(req, body, u->chunked, &out);
	u->fd = data_connect(f);
	int ok = u->fd >= 0 && send_all(u->fd, out.data, out.len) == 0;
	sodium_memzero(out.data, out.len); /* it held the bearer token */
	sb_free(&out);
	int got = ok && body ? read_head(u->fd, &u->in) : 0;
	if (ok && (!body || (got > 0 && strncmp(u->in.data, "HTTP/1.1 100 ", 13) == 0))) {
		sb_reset(&u->in); /* nothing follows an interim answer before the body is sent */
		*state = u;
		return 0;
	}
	/* Not reached, or refused: the rest of the refusal, then to the client. */
	char buf[4096];
	ssize_t k;
	while (got > 0 && (k = recv(u->fd, buf, sizeof buf, 0)) > 0 &&
	       u->in.len + (size_t)k <= MAX_HEAD)
		sb_put(&u->in, buf, (size_t)k);
	if (got <= 0 || answer(u->in.data, u->in.len, u->head, resp) < 0)
		unavailable(resp);
	upstream_free(u);
	return -1;
}

/* A piece of the body, as the client sends it: on to the data process, in its framing. */
static int upstream_feed(void *state, const char *data, size_t n)
{
	struct upstream *u = state;
	char size[24];
	int k = snprintf(size, sizeof size, "%zx\r\n", n);
	if (u->chunked && send_all(u->fd, size, (size_t)k) < 0)
		return -1;
	if (send_all(u->fd, data, n) < 0)
		return -1;
	return u->chunked ? send_all(u->fd, "\r\n", 2) : 0;
}

/* ---- the relay: one thread reads every answer ---- */

struct relay {
	pthread_t thread;
	int ep; /* epoll: the connections waiting for their answer */
	pthread_mutex_t mu;
	struct upstream *waiting; /* the same, for their deadlines */
	int stop;
};

/* The answer is in (or will never be): to the client. Nothing of u is touched after the
 * resume, which may complete the request (and free u) in another thread. */
static void relay_finish(struct relay *rl, struct upstream *u, int ok)
{
	pthread_mutex_lock(&rl->mu);
	if (u->prev)
		u->prev->next = u->next;
	else
		rl->waiting = u->next;
	if (u->next)
		u->next->prev = u->prev;
	pthread_mutex_unlock(&rl->mu);
	epoll_ctl(rl->ep, EPOLL_CTL_DEL, u->fd, NULL);
	close(u->fd);
	u->fd = -1;
	struct http_response resp = {0};
	if (!ok || answer(u->in.data, u->in.len, u->head, &resp) < 0)
		unavailable(&resp);
	sb_free(&u->in);
	http_resume(u->req, &resp);
}

/* Reads what has arrived: 1 at the answer's end, 0 for more, -1 on failure. */
static int relay_read(struct upstream *u)
{
	char buf[65536];
	for (;;) {
		ssize_t k = recv(u->fd, buf, sizeof buf, 0);
		if (k > 0 && u->in.len + (size_t)k <= MAX_ANSWER) {
			sb_put(&u->in, buf, (size_t)k);
			continue;
		}
		if (k == 0)
			return 1;
		if (k < 0 && errno == EINTR)
			continue;
		return k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	}
}

static void *relay_run(void *arg)
{
	struct relay *rl = arg;
	struct epoll_event ev[64];
	for (;;) {
		pthread_mutex_lock(&rl->mu);
		int done = rl->stop && !rl->waiting;
		pthread_mutex_unlock(&rl->mu);
		if (done)
			return NULL;
		int n = epoll_wait(rl->ep, ev, 64, 200);
		for (int i = 0; i < n; i++) {
			struct upstream *u = ev[i].data.ptr;
			int r = relay_read(u);
			if (r != 0)
				relay_finish(rl, u, r > 0);
		}
		/* Past their deadline: the data process is stuck; the client gets its 503. */
		for (double t = clock_now();;) {
			struct upstream *late = NULL;
			pthread_mutex_lock(&rl->mu);
			for (struct upstream *u = rl->waiting; u && !late; u = u->next)
				if (t > u->deadline)
					late = u;
			pthread_mutex_unlock(&rl->mu);
			if (!late)
				break;
			relay_finish(rl, late, 0);
		}
	}
}

static void relay_add(struct relay *rl, struct upstream *u, int timeout)
{
	int flags = fcntl(u->fd, F_GETFL);
	fcntl(u->fd, F_SETFL, flags | O_NONBLOCK);
	u->deadline = clock_now() + timeout;
	pthread_mutex_lock(&rl->mu);
	u->prev = NULL;
	u->next = rl->waiting;
	if (rl->waiting)
		rl->waiting->prev = u;
	rl->waiting = u;
	pthread_mutex_unlock(&rl->mu);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = u};
	if (epoll_ctl(rl->ep, EPOLL_CTL_ADD, u->fd, &ev) < 0)
		relay_finish(rl, u, 0);
}

static struct relay *relay_start(void)
{
	struct relay *rl = xcalloc(1, sizeof *rl);
	pthread_mutex_init(&rl->mu, NULL);
	rl->ep = epoll_create1(EPOLL_CLOEXEC);
	if (rl->ep < 0 || pthread_create(&rl->thread, NULL, relay_run, rl) != 0) {
		log_error("the front could not start its relay: %s", strerror(errno));
		_exit(2);
	}
	return rl;
}

/* After the core has stopped: every answer it waited for has been relayed. */
static void relay_stop(struct relay *rl)
{
	pthread_mutex_lock(&rl->mu);
	rl->stop = 1;
	pthread_mutex_unlock(&rl->mu);
	pthread_join(rl->thread, NULL);
	close(rl->ep);
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

/* Every route's handler in the front: the request's body (if any) is through; the answer
 * comes from the relay, so the thread is free meanwhile. */
static void forward(struct http_request *req, struct http_response *resp)
{
	const struct front *f = http_app(req);
	struct upstream *u = http_stream(req);
	if (!u || (u->chunked && send_all(u->fd, "0\r\n\r\n", 5) < 0)) {
		unavailable(resp);
		return;
	}
	u->req = req;
	http_defer(req);
	relay_add(f->relay, u, f->timeout);
}

/* ---- the process ---- */

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

/* ---- a new certificate (front_wait's SIGHUP) ---- */

/* The certificate and key travel from the data process, which can read their files, to
 * the front, which cannot any more (it runs as nobody, its system calls filtered): each as
 * its length (4 bytes, the host's order) and its text, on a socket pair made before the
 * fork. */
#define MAX_PEM ((uint32_t)1 << 20)

static int pem_send(int fd, const char *pem)
{
	uint32_t n = (uint32_t)strlen(pem);
	return send_all(fd, (const char *)&n, sizeof n) < 0 || send_all(fd, pem, n) < 0 ? -1 : 0;
}

static int recv_all(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t k = recv(fd, p, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The next PEM text of the socket (NUL-terminated, for sodium_memzero and free), or NULL at
 * its end (the data process gone) or on a length past MAX_PEM. */
static char *pem_receive(int fd)
{
	uint32_t n;
	if (recv_all(fd, (char *)&n, sizeof n) < 0 || n > MAX_PEM)
		return NULL;
	char *pem = xmalloc((size_t)n + 1);
	if (recv_all(fd, pem, n) < 0) {
		free(pem);
		return NULL;
	}
	pem[n] = '\0';
	return pem;
}

static void pem_free(char *pem)
{
	if (pem) {
		sodium_memzero(pem, strlen(pem));
		free(pem);
	}
}

struct renewal {
	int fd; /* the front's end of the socket pair */
	struct http_server *http;
	const char *name;
};

/* The front's thread that takes each new certificate and key and serves with them. */
static void *renew(void *arg)
{
	struct renewal *rn = arg;
	for (;;) {
		char *cert = pem_receive(rn->fd), *key = cert ? pem_receive(rn->fd) : NULL;
		if (!key) {
			pem_free(cert);
			return NULL;
		}
		struct wq_error e;
		if (http_retls(rn->http, cert, key, &e) == 0)
			log_info("%s: serving with the new certificate", rn->name);
		else
			log_error("%s: %s", e.code, e.message);
		pem_free(cert);
		pem_free(key);
	}
}

/* The front's life: serve until SIGTERM (sent by front_stop, or by the kernel when the
 * data process ends) or SIGINT. The stop signals are blocked by the caller. */
static void run(const struct wq_config *cfg, const struct front_options *fo, struct front *f,
		pid_t parent, int renewals)
{
	struct wq_error e;
	sigset_t set;
	int sig;
	/* Every answer passes through the relay, some hundreds of KiB each: freed memory stays
	 * in the heap, up to 64 MiB an arena, and only blocks of 1 MiB or more are mapped
	 * apart. At glibc's moving thresholds the relay thread's arena gave its top back and
	 * faulted it in again page by page, a tenth of the CPU of a repeated 4-dimension
	 * table (perf, wrk -c32). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	struct http_route *routes = xcalloc(fo->nroutes, sizeof *routes);
	for (size_t i = 0; i < fo->nroutes; i++) {
		routes[i] = fo->routes[i];
		routes[i].handler = forward;
	}
	/* TLS ends here: the certificate's key is the one secret the front holds. */
	int tls = fo->tls_cert && fo->tls_cert[0] && fo->tls_key && fo->tls_key[0];
	char *cert = tls ? read_pem(fo->tls_cert, &e) : NULL;
	char *key = cert ? read_pem(fo->tls_key, &e) : NULL;
	if (tls && !key) {
		err_print(&e, stderr);
		_exit(2);
	}
	char name[64];
	snprintf(name, sizeof name, "%s front", fo->name);
	f->relay = relay_start();
	struct http_options o = {.name = name,
				 .listen = fo->listen,
				 .port = fo->port,
				 .threads = fo->threads,
				 .routes = routes,
				 .nroutes = fo->nroutes,
				 .app = f,
				 .trusted_proxy = cfg->trusted_proxy,
				 .tls_cert = cert,
				 .tls_key = key,
				 .stream_open = upstream_open,
				 .stream_feed = upstream_feed,
				 .stream_close = upstream_free};
	struct http_server *http = http_start(cfg, &o, &e);
	if (key)
		sodium_memzero(key, strlen(key));
	if (!http || drop_root(parent, &e) < 0 || sandbox_enter(&e) < 0) {
		err_print(&e, stderr);
		_exit(2);
	}
	log_info("%s listening on %s://%s:%d", name, cert ? "https" : "http", fo->listen, fo->port);
	struct renewal rn = {renewals, http, name};
	pthread_t renewer;
	if (pthread_create(&renewer, NULL, renew, &rn) != 0) {
		/* (Without it, the data process's sends of new certificates would fill the
		 * socket pair and block it.) */
		log_error("%s: no thread to take new certificates", name);
		_exit(2);
	}
	sigwait(&set, &sig);
	/* The data process gone (the kernel's signal): no answer can come, nothing to drain;
	 * the port is free at once. Stopped by it (front_stop): the answers in flight first,
	 * after a renewal under way, which must not start a daemon on a stopping server. */
	if (getppid() != parent)
		_exit(0);
	shutdown(renewals, SHUT_RDWR);
	pthread_join(renewer, NULL);
	http_stop(http);
	relay_stop(f->relay);
	_exit(0);
}

int front_start(const struct wq_config *cfg, const struct front_options *o,
		struct front_process *fp, struct wq_error *e)
{
	/* An abstract address (no file to leave behind or to guard), unguessable; the data
	 * process answers the front's pid only (SO_PEERCRED, common/http.c). */
	static struct front f;
	uint8_t r[8];
	int pair[2];
	*fp = (struct front_process){0, -1, -1, o->tls_cert, o->tls_key, o->name};
	randombytes_buf(r, sizeof r);
	memset(&f.addr, 0, sizeof f.addr);
	f.addr.sun_family = AF_UNIX;
	int n = snprintf(f.addr.sun_path + 1, sizeof f.addr.sun_path - 1,
			 "%s/%ld/%02x%02x%02x%02x%02x%02x%02x%02x", o->name, (long)getpid(), r[0],
			 r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	f.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	f.timeout = cfg->statement_timeout_ms / 1000 * 4 + 30;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&f.addr, f.len) < 0 || listen(fd, 512) < 0) {
		if (fd >= 0)
			close(fd);
		return err_set(e, "S5001", "could not make the data socket: %s", strerror(errno));
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		close(fd);
		return err_set(e, "S5001", "could not make the front's socket pair: %s",
			       strerror(errno));
	}
	pid_t parent = getpid(), child = fork();
	if (child < 0) {
		close(fd);
		close(pair[0]);
		close(pair[1]);
		return err_set(e, "S5001", "could not start the front: %s", strerror(errno));
	}
	if (child == 0) {
		close(fd);
		close(pair[0]);
		if (o->wipe)
			o->wipe(o->wipe_arg); /* the front's copies: wiped before a byte is read */
		if (confine(parent, e) < 0) {
			err_print(e, stderr);
			_exit(2);
		}
		run(cfg, o, &f, parent, pair[1]);
	}
	close(pair[1]);
	fp->pid = child;
	fp->sock = fd;
	fp->renewals = pair[0];
	return 0;
}

void front_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGHUP);
}

/* SIGHUP: the certificate and key read again from their files and sent to the front,
 * which serves new connections with them (or says, in the log, why it cannot). */
static void renew_certificate(const struct front_process *fp)
{
	struct wq_error e;
	if (!(fp->tls_cert && fp->tls_cert[0] && fp->tls_key && fp->tls_key[0])) {
		log_info("%s: SIGHUP: no certificate to read again (no TLS here)", fp->name);
		return;
	}
	char *cert = read_pem(fp->tls_cert, &e);
	char *key = cert ? read_pem(fp->tls_key, &e) : NULL;
	if (!key)
		log_error("%s: SIGHUP: %s; the old certificate serves on", e.code, e.message);
	else if (pem_send(fp->renewals, cert) < 0 || pem_send(fp->renewals, key) < 0)
		log_error("%s: SIGHUP: the front took no new certificate: %s", fp->name,
			  strerror(errno));
	else
		log_info("%s: SIGHUP: the certificate and key read again", fp->name);
	pem_free(cert);
	pem_free(key);
}

int front_wait(struct front_process *fp, const sigset_t *set)
{
	int sig, status;
	for (;;) {
		sigwait(set, &sig);
		if (sig == SIGHUP)
			renew_certificate(fp);
		else if (sig != SIGCHLD)
			return sig;
		/* A SIGCHLD is also a stopped or continued front: only its end stops. */
		else if (waitpid(fp->pid, &status, WNOHANG) == fp->pid) {
			fp->pid = 0; /* reaped */
			return sig;
		}
	}
}

void front_abandon(struct front_process *fp)
{
	if (fp->sock >= 0)
		close(fp->sock);
	fp->sock = -1;
}

void front_stop(struct front_process *fp)
{
	if (fp->renewals >= 0)
		close(fp->renewals); /* the front's renewal thread sees its end */
	fp->renewals = -1;
	if (fp->pid <= 0)
		return;
	kill(fp->pid, SIGTERM);
	while (waitpid(fp->pid, NULL, 0) < 0 && errno == EINTR)
		;
	fp->pid = 0;
}
