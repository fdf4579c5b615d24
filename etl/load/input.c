/* Batch input (see input.h): a FILE made with fopencookie over our own inflate loop (zlib),
 * so that the CSV and NDJSON readers and the batch-key hashing keep reading a FILE. zlib's
 * gzread is not used: it ignores what follows a gzip member when that is not gzip, which
 * would load `cat a.gz b.ndjson` as a.gz alone. */
#include "etl/load/input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/xalloc.h"

#define IN_BLOCK (1 << 17)

struct input_gzip {
	int fd;
	z_stream z;
	unsigned char in[IN_BLOCK];
	int member_done; /* the last member ended; what follows must be another or nothing */
	int inflating;	 /* z holds an initialised inflate state */
};

static ssize_t fail(struct input *in, const char *why)
{
	snprintf(in->error, sizeof in->error, "%s", why);
	errno = EIO;
	return -1;
}

/* Makes at least k compressed bytes available (fewer only at the end of the file);
 * returns how many are, or -1 on a read error. */
static ssize_t need(struct input *in, size_t k)
{
	struct input_gzip *g = in->gz;
	if (g->z.avail_in >= k)
		return g->z.avail_in;
	memmove(g->in, g->z.next_in, g->z.avail_in);
	g->z.next_in = g->in;
	while (g->z.avail_in < k) {
		ssize_t n = read(g->fd, g->in + g->z.avail_in, sizeof g->in - g->z.avail_in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(in->error, sizeof in->error, "%s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		g->z.avail_in += (uInt)n;
	}
	return g->z.avail_in;
}

static ssize_t gzip_read(struct input *in, char *buf, size_t size)
{
	struct input_gzip *g = in->gz;
	g->z.next_out = (unsigned char *)buf;
	g->z.avail_out = size > UINT_MAX ? UINT_MAX : (uInt)size;
	uInt want = g->z.avail_out;
	while (g->z.avail_out > 0) {
		if (g->member_done) {
			/* After a member: another member, or the end; anything else is refused. */
			ssize_t a = need(in, 2);
			if (a < 0) {
				errno = EIO;
				return -1;
			}
			if (a == 0)
				break;
			if (a < 2 || g->z.next_in[0] != 0x1f || g->z.next_in[1] != 0x8b)
				return fail(in, "the file goes on after its compressed data with "
						"bytes that are not gzip");
			if (inflateReset(&g->z) != Z_OK)
				return fail(in, "the compressed data is corrupt");
			g->member_done = 0;
		}
		ssize_t a = need(in, 1);
		if (a < 0) {
			errno = EIO;
			return -1;
		}
		if (a == 0)
			return fail(in, "the compressed data ends early (a truncated file)");
		int zr = inflate(&g->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			g->member_done = 1;
			continue;
		}
		if (zr != Z_OK) {
			char why[140];
			snprintf(why, sizeof why, "the compressed data is corrupt (zlib: %s)",
				 g->z.msg ? g->z.msg : "no progress");
			return fail(in, why);
		}
	}
	return (ssize_t)(want - g->z.avail_out);
}

static ssize_t plain_read(struct input *in, char *buf, size_t size)
{
	struct input_gzip *g = in->gz;
	/* Bytes already read to tell the format come first. */
	if (g->z.avail_in) {
		size_t n = g->z.avail_in < size ? g->z.avail_in : size;
		memcpy(buf, g->z.next_in, n);
		g->z.next_in += n;
		g->z.avail_in -= (uInt)n;
		return (ssize_t)n;
	}
	ssize_t n;
	do
		n = read(g->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(in->error, sizeof in->error, "%s", strerror(errno));
		errno = EIO;
	}
	return n;
}

static ssize_t input_read(void *cookie, char *buf, size_t size)
{
	struct input *in = cookie;
	return in->compressed ? gzip_read(in, buf, size) : plain_read(in, buf, size);
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
	in->gz = xcalloc(1, sizeof *in->gz);
	in->gz->fd = fd;
	/* The first two bytes tell gzip (1f 8b) from anything else. */
	while (in->gz->z.avail_in < 2) {
		unsigned char *at = in->gz->in + in->gz->z.avail_in;
		ssize_t n = read(fd, at, sizeof in->gz->in - in->gz->z.avail_in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, "S3001", "could not read \"%s\": %s", path, strerror(errno));
			input_close(in);
			return NULL;
		}
		if (n == 0)
			break;
		in->gz->z.avail_in += (uInt)n;
	}
	in->gz->z.next_in = in->gz->in;
	in->compressed = in->gz->z.avail_in >= 2 && in->gz->in[0] == 0x1f && in->gz->in[1] == 0x8b;
	if (in->compressed) {
		/* 16 + MAX_WBITS: gzip only, its header and trailer (CRC, length) checked. */
		if (inflateInit2(&in->gz->z, 16 + MAX_WBITS) != Z_OK) {
			err_set(e, "S3001", "could not open \"%s\": zlib failed", path);
			input_close(in);
			return NULL;
		}
		in->gz->inflating = 1;
	}
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
	if (in->gz) {
		if (in->gz->inflating)
			inflateEnd(&in->gz->z);
		close(in->gz->fd);
		free(in->gz);
	}
	free(in);
}

size_t input_name_length(const char *path)
{
	size_t n = strlen(path);
	return n > 3 && strcmp(path + n - 3, ".gz") == 0 ? n - 3 : n;
}

/* ---- lines ---- */

void line_reader_init(struct line_reader *r, FILE *f, size_t max)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->max = max;
	r->cap = (max < (1 << 16) ? (1 << 16) : max) + (1 << 16);
	r->buf = xmalloc(r->cap);
}

void line_reader_free(struct line_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof *r);
}

/* Reads more into buf after tail (moving unread bytes to the front first). */
static int fill(struct line_reader *r)
{
	if (r->eof)
		return 0;
	if (r->head > 0) {
		memmove(r->buf, r->buf + r->head, r->tail - r->head);
		r->tail -= r->head;
		r->head = 0;
	}
	if (r->tail == r->cap)
		return 1; /* full: the caller handles a line this long */
	size_t n = fread(r->buf + r->tail, 1, r->cap - r->tail, r->f);
	if (n == 0) {
		if (ferror(r->f))
			return -1;
		r->eof = 1;
		return 0;
	}
	r->tail += n;
	return 1;
}

int line_reader_next(struct line_reader *r, const char **line, size_t *len, int *too_long)
{
	size_t scanned = 0; /* bytes of the current line known to hold no newline */
	*too_long = 0;
	for (;;) {
		char *start = r->buf + r->head;
		char *nl = memchr(start + scanned, '\n', r->tail - r->head - scanned);
		if (nl) {
			size_t n = (size_t)(nl - start);
			r->head += n + 1;
			if (*too_long) {
				*line = "";
				*len = 0;
				return 1;
			}
			if (n > 0 && start[n - 1] == '\r')
				n--;
			if (n > r->max) {
				*too_long = 1;
				*line = "";
				*len = 0;
			} else {
				*line = start;
				*len = n;
			}
			return 1;
		}
		scanned = r->tail - r->head;
		if (scanned > r->max) {
			/* Too long: drop what is held and read on to its end. */
			*too_long = 1;
			r->head = r->tail = 0;
			scanned = 0;
		}
		int f = fill(r);
		if (f < 0)
			return -1;
		if (f == 0) {
			if (r->tail == r->head && !*too_long)
				return 0;
			/* A last line without a newline. */
			size_t n = r->tail - r->head;
			start = r->buf + r->head;
			r->head = r->tail;
			if (*too_long || n > r->max) {
				*too_long = 1;
				*line = "";
				*len = 0;
			} else {
				if (n > 0 && start[n - 1] == '\r')
					n--;
				*line = start;
				*len = n;
			}
			return 1;
		}
	}
}

int input_blank_line(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}
