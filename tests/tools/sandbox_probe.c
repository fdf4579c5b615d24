/* tool_sandbox_probe ACTION: enters the fronts' system-call filter (common/sandbox.h), then
 * tries ACTION as a compromised front would, and prints what happened:
 *   serve   what a front does (a Unix socket connected to a listening one, a write,
 *           memory, a thread's clock): "ok" when all of it works
 *   open    open a file for reading (a key, a password file)
 *   tcp     make a TCP socket (to reach a database or another host)
 *   prctl   make itself dumpable again (to be traced)
 *   tiocsti push a byte into the controlling terminal's input
 *   exec    run /bin/true: the process is killed (SIGSYS), so prints nothing
 * Each refused call prints "refused: ERRNO-NAME"; a call that went through, "allowed". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/sandbox.h"

static int outcome(int rc)
{
	if (rc >= 0)
		printf("allowed\n");
	else
		printf("refused: %s\n", errno == EPERM ? "EPERM" : strerror(errno));
	return 0;
}

/* PAIR: connected Unix sockets made before the filter, as the front's are. */
static int serve(const int pair[2])
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timespec ts;
	char *p = malloc(1 << 20);
	int ok = fd >= 0 && write(pair[0], "x", 1) == 1 &&
		 clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && p != NULL;
	char c;
	ok = ok && read(pair[1], &c, 1) == 1 && c == 'x';
	free(p);
	printf("%s\n", ok ? "ok" : "failed");
	return 0;
}

int main(int argc, char **argv)
{
	struct wq_error e;
	int pair[2];
	if (argc != 2 || socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0)
		return 2;
	if (sandbox_enter(&e) < 0) {
		err_print(&e, stderr);
		return 2;
	}
	const char *a = argv[1];
	if (strcmp(a, "serve") == 0)
		return serve(pair);
	if (strcmp(a, "open") == 0)
		return outcome(open("/etc/hostname", O_RDONLY));
	if (strcmp(a, "tcp") == 0)
		return outcome(socket(AF_INET, SOCK_STREAM, 0));
	if (strcmp(a, "prctl") == 0)
		return outcome(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	if (strcmp(a, "tiocsti") == 0) {
		char c = 'x';
		return outcome(ioctl(STDIN_FILENO, TIOCSTI, &c));
	}
	if (strcmp(a, "exec") == 0) {
		static char path[] = "/bin/true";
		char *args[] = {path, NULL};
		execv("/bin/true", args);
		printf("exec failed: %s\n", strerror(errno));
		return 0;
	}
	return 2;
}
