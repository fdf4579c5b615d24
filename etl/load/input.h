/* Batch input: a file, or stdin ("-"), gzip-compressed or not, and the bounded line
 * reader the NDJSON loader reads it with. */
#ifndef WQ_INPUT_H
#define WQ_INPUT_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"

struct input {
	FILE *f;	 /* the records: read from this */
	int compressed;	 /* gzip (else read as it is) */
	long long size;	 /* bytes of a regular file (as stored), else 0 */
	char error[160]; /* why reading failed, once ferror(f) */
	struct input_gzip *gz;
};

/* Opens PATH for reading. A file that starts with gzip's magic bytes is inflated member
 * after member (`cat a.gz b.gz` is both); anything else is passed through unchanged, so
 * that the loader sees, and the batch key hashes, the records themselves however they
 * were shipped. A read error, a compressed stream that is corrupt or ends early, and
 * bytes after the last member that are not gzip set f's error indicator and error[]
 * (never a quiet end of file: a batch must not load partly as if it were whole).
 * Returns NULL with e set (S3001). */
struct input *input_open(const char *path, struct wq_error *e);

/* Closes and frees IN (for stdin, only the duplicate of its descriptor). NULL is fine. */
void input_close(struct input *in);

/* The length of PATH without a trailing ".gz", for telling formats by extension. */
size_t input_name_length(const char *path);

/* Lines of at most MAX bytes, read in blocks: a longer line is skipped to its end in
 * constant memory and reported as too long, and a line may hold NUL bytes (its length
 * says where it ends). The buffer is the reader's. */
struct line_reader {
	FILE *f;
	size_t max;
	char *buf;   /* the current line, then the block read ahead */
	size_t cap;  /* of buf */
	size_t head; /* start of unread bytes in buf */
	size_t tail; /* end of bytes read into buf */
	int eof;
};

/* Whether an NDJSON line holds no record: empty, or spaces, tabs and carriage returns
 * only. The loader and the intake both skip such lines (docs/data-dictionary.md). */
int input_blank_line(const char *line, size_t len);

void line_reader_init(struct line_reader *r, FILE *f, size_t max);
void line_reader_free(struct line_reader *r);

/* The next line without its "\n" (or "\r\n"): 1 with *line, *len set (*too_long set when
 * the line was longer than max: *line is then empty), 0 at the end of input, -1 when
 * reading failed (ferror of the FILE: never taken for the end). */
int line_reader_next(struct line_reader *r, const char **line, size_t *len, int *too_long);

#endif
