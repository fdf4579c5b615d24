/* The front's system-call filter (see sandbox.h). */
#include "common/sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* What the front does after it listens: libmicrohttpd's threads (epoll, accept, the
 * inter-thread channel), the relay (epoll, Unix sockets), the sweeper (sleep), malloc
 * (mmap, brk), logging (write), glibc's threads and clocks, libsodium's random bytes,
 * GnuTLS's (when it serves TLS). */
static const char *const allowed[] = {
    "read", "write", "readv", "writev", "pread64", "pwrite64", "close", "fstat", "newfstatat",
    "lseek", "fcntl",
    /* memory */
    "mmap", "munmap", "mprotect", "mremap", "brk", "madvise",
    /* threads, signals, time */
    "futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield", "sched_getaffinity",
    "clone", "clone3", "exit", "exit_group", "rt_sigprocmask", "rt_sigaction", "rt_sigreturn",
    "rt_sigtimedwait", "sigaltstack", "restart_syscall", "tgkill", "nanosleep", "clock_nanosleep",
    "clock_gettime", "clock_getres", "gettimeofday", "time", "getpid", "getppid", "gettid",
    "getuid", "geteuid", "getgid", "getegid", "uname", "getrandom", "membarrier",
    /* waiting */
    "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "poll", "ppoll", "select",
    "pselect6", "eventfd2", "pipe2",
    /* sockets: the listening one's, and the Unix family's (below) */
    "accept", "accept4", "connect", "shutdown", "setsockopt", "getsockopt", "getsockname",
    "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg"};

/* Past EPERM: what would turn a flaw into a foothold elsewhere. */
static const char *const fatal[] = {"execve", "execveat", "ptrace", "process_vm_readv",
				    "process_vm_writev"};

int sandbox_enter(struct wq_error *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc = ctx ? 0 : -ENOMEM;
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; rc == 0 && i < sizeof allowed / sizeof allowed[0]; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr != __NR_SCMP_ERROR) /* a name this architecture does not have */
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	for (size_t i = 0; rc == 0 && i < sizeof fatal / sizeof fatal[0]; i++) {
		int nr = seccomp_syscall_resolve_name(fatal[i]);
		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
	}
	/* Sockets of the Unix family only: the data process's; never TCP, UDP or raw. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* ioctl only to ask (bytes waiting, a terminal's mode) or set non-blocking: never to
	 * push input into a terminal (TIOCSTI) or anything a device driver takes. */
	const unsigned long requests[] = {FIONBIO, FIONREAD, TCGETS};
	for (size_t i = 0; rc == 0 && i < sizeof requests / sizeof requests[0]; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, requests[i]));
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	if (rc < 0)
		return err_set(e, "S5006", "the front could not filter its system calls: %s",
			       strerror(-rc));
	return 0;
}
