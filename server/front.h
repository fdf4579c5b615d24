/* The HTTP front of wiqaya-server (privilege separation, docs/security.md): the process
 * that faces the network holds no database connection, no key and no row. It parses each
 * request with the shared HTTP core (framing, limits, deadlines, route, parameters) and
 * forwards what passes, over a Unix socket, to the data process, which holds the keys and
 * the analytics and checks everything again; the answer comes back the same way. Running
 * as root, the front then runs as nobody; in any case with no new privileges, no core
 * dumps and not traceable. As OpenSSH separates its privileged monitor, and Cantabular and
 * TableBuilder their web tier. */
#ifndef WQ_FRONT_H
#define WQ_FRONT_H

#include <sys/types.h>

#include "common/config.h"
#include "common/error.h"
#include "server/keyring.h"

/* Makes the data socket and forks the front, which wipes its copy of KEYS, serves
 * [server] listen:port and exits when the data process does (or on SIGTERM). In the data
 * process: 0 with *sock the listening socket to serve (http_options front_socket) and
 * *pid the front's; -1 with e set. Never returns in the front. */
int front_start(const struct wq_config *cfg, struct keyring *keys, int *sock, pid_t *pid,
		struct wq_error *e);
/* Stops the front (SIGTERM) and waits for it. */
void front_stop(pid_t pid);

#endif
