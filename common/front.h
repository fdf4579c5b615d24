/* The HTTP front of a privilege-separated server (docs/security.md): the process that
 * faces the network holds no database connection, no key and no row. It parses each
 * request with the shared HTTP core (framing, limits, deadlines, route, parameters) and
 * offers it, on its headers, over a Unix socket to the data process, which holds the keys
 * and the data and decides everything again, the token and role among it: a request with
 * a body goes on with Expect: 100-continue, so its body is read only once the data
 * process has admitted it, and is then streamed through, never held whole. Answers come
 * back the same way, read by one relay thread, so a slow answer (a fresh table, the
 * intake's group commit) holds no thread of the front. Running as root, the front then
 * runs as nobody; in any case with no new privileges, no core dumps, not traceable and
 * its system calls filtered (common/sandbox.h).
 * Both servers run one: wiqaya-server and the intake (wiqaya-etl serve). As OpenSSH
 * separates its privileged monitor, and Cantabular and TableBuilder their web tier. */
#ifndef WQ_FRONT_H
#define WQ_FRONT_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/config.h"
#include "common/error.h"
#include "common/http.h"

/* The most bytes of header values the front passes on to the data process (431 H1431
 * past it): far above what a client sends (a token, Accept, a language, an ETag), and
 * what the data process's connection pool is sized for (common/http.c). */
#define FRONT_HEADERS_MAX 4096

struct front_options {
	const char *name; /* the program's: the data socket's name, the front's log lines */
	const char *listen;
	int port, threads;
	const struct http_route *routes; /* the data process's; the front forwards each */
	size_t nroutes;
	const char *tls_cert, *tls_key; /* PEM files to serve HTTPS; NULL or "": plain HTTP */
	/* Wipes the secrets the data process holds already (the front's copies) before the
	 * front reads a byte. */
	void (*wipe)(void *arg);
	void *wipe_arg;
};

/* The front as the data process knows it. */
struct front_process {
	pid_t pid;    /* 0 once stopped or reaped */
	int sock;     /* the listening data socket to serve (http_options front_socket) */
	int renewals; /* where a new certificate goes to the front */
	const char *tls_cert, *tls_key, *name; /* the options': read again on SIGHUP */
};

/* Makes the data socket and forks the front, which wipes its copies of the secrets,
 * serves listen:port and exits when the data process does (or on SIGTERM). In the data
 * process: 0 with *fp filled; -1 with e set. Never returns in the front. */
int front_start(const struct wq_config *cfg, const struct front_options *o,
		struct front_process *fp, struct wq_error *e);
/* The signals front_wait takes: to be blocked in every thread, before any is made. */
void front_signals(sigset_t *set);
/* Waits for the data process's end, and returns its signal: SIGINT or SIGTERM, or SIGCHLD
 * when the front has ended (reaped: fp->pid is 0). On SIGHUP in between, the certificate
 * and key are read again from their files and the front serves new connections with them
 * (docs/operations.md, "TLS"). */
int front_wait(struct front_process *fp, const sigset_t *set);
/* Stops the front (SIGTERM) and waits for it; nothing if it is stopped already. */
void front_stop(struct front_process *fp);
/* For a data process that fails to start: closes its socket, which resets the connections
 * the front relayed meanwhile (in its backlog, never accepted), so that the front answers
 * them at once and front_stop returns, not at their deadline (90 s by default). */
void front_abandon(struct front_process *fp);

#endif
