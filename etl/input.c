/* Batch input through zlib (see input.h): a FILE made with fopencookie over a gzFile, so
 * that the CSV and NDJSON readers and the batch-key hashing keep reading a FILE. */
#include "etl/input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/xalloc.h"

static ssize_t input_read(void *cookie, char *buf, size_t size)
{
	struct input *in = cookie;
	int n = gzread(in->gz, buf, size > INT_MAX ? INT_MAX : (unsigned)size);
	int code = Z_OK;
	const char *msg = gzerror(in->gz, &code);
	/* A compressed stream that stops early reads as an end of file, with Z_BUF_ERROR set. */
	if (n < 0 || (n == 0 && code == Z_BUF_ERROR)) {
		/* zlib's message starts with the stream's name, "<fd:5>: " here. */
		const char *why = strstr(msg, ": ") ? strstr(msg, ": ") + 2 : msg;
		if (code == Z_ERRNO)
			snprintf(in->error, sizeof in->error, "%s", strerror(errno));
		else if (code == Z_BUF_ERROR)
			snprintf(in->error, sizeof in->error,
				 "the compressed data ends early (a truncated file)");
		else
			snprintf(in->error, sizeof in->error,
				 "the compressed data is corrupt (zlib: %s)", why);
		errno = EIO;
		return -1;
	}
	return n;
}

struct input *input_open(const char *path, struct wq_error *e)
{
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, "S3001", "could not open \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	struct input *in = xcalloc(1, sizeof *in);
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		in->size = st.st_size;
	in->gz = gzdopen(fd, "rb");
	if (!in->gz) {
		close(fd);
		free(in);
		err_set(e, "S3001", "could not open \"%s\"", path);
		return NULL;
	}
	gzbuffer(in->gz, 1 << 17);
	in->compressed = !gzdirect(in->gz); /* reads the first bytes to tell */
	in->f = fopencookie(in, "r", (cookie_io_functions_t){.read = input_read});
	if (!in->f) {
		err_set(e, "S3001", "could not open \"%s\": %s", path, strerror(errno));
		input_close(in);
		return NULL;
	}
	return in;
}

void input_close(struct input *in)
{
	if (!in)
		return;
	if (in->f)
		fclose(in->f);
	gzclose_r(in->gz);
	free(in);
}

size_t input_name_length(const char *path)
{
	size_t n = strlen(path);
	return n > 3 && strcmp(path + n - 3, ".gz") == 0 ? n - 3 : n;
}
