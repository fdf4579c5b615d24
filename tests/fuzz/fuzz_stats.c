/* wiqaya-stats' input: the first byte picks a method, the rest is its JSON input, run as
 * the program runs it (stats/main.c, whose main is renamed here and called with the
 * method's name, reading the rest from a pipe on stdin, its output sent to /dev/null). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

int stats_main(int argc, char **argv);
#define main stats_main
#include "stats/main.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t n = sizeof methods / sizeof methods[0];
	if (size == 0 || size > 60000)
		return 0; /* the rest must fit the pipe's buffer: written before it is read */
	int fd[2];
	if (pipe(fd) < 0)
		return 0;
	if (write(fd[1], data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd[0]);
		close(fd[1]);
		return 0;
	}
	close(fd[1]);
	int saved = dup(0);
	dup2(fd[0], 0);
	close(fd[0]);
	clearerr(stdin);
	char prog[] = "wiqaya-stats", method[32];
	snprintf(method, sizeof method, "%s", methods[data[0] % n].name);
	char *argv[] = {prog, method, NULL};
	/* What the program prints is not wanted: results and problems go nowhere. */
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	stats_main(2, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	dup2(saved, 0);
	close(saved);
	clearerr(stdin);
	return 0;
}
