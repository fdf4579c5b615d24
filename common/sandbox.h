/* The system calls a front may make (seccomp, through libseccomp): an allow-list of what
 * serving HTTP and forwarding over a Unix socket need (memory, threads' synchronisation,
 * time, signals, epoll and poll, sockets of the Unix family only, reads and writes on
 * descriptors it holds, ioctl only to ask or set non-blocking). Anything else fails with
 * EPERM: opening a file (a key, a password file, /proc), a TCP or raw socket, prctl
 * (making itself dumpable again), mounting. Running a program, or
 * tracing or reading another process's memory, kills the process outright: no parser
 * flaw turns the front into a shell. Applied to every thread at once (TSYNC), once the
 * front listens and has dropped root. */
#ifndef WQ_SANDBOX_H
#define WQ_SANDBOX_H

#include "common/error.h"

/* 0, or -1 with e set (S5006). */
int sandbox_enter(struct wq_error *e);

#endif
