/* Batch input: a file, or stdin ("-"), gzip-compressed or not. */
#ifndef WQ_INPUT_H
#define WQ_INPUT_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"

struct input {
	FILE *f;	 /* the records: read from this */
	int compressed;	 /* gzip (else read as it is) */
	long long size;	 /* bytes of a regular file (as stored), else 0 */
	char error[128]; /* why reading failed, once ferror(f) */
	struct gzFile_s *gz;
};

/* Opens PATH for reading through zlib, which inflates gzip and passes anything else
 * through unchanged, so that the loader sees, and the batch key hashes, the records
 * themselves however they were shipped. A read error, or a compressed stream that is
 * corrupt or ends early, sets f's error indicator and error[] (never a quiet end of file:
 * a truncated batch must not load as if it were whole). Returns NULL with e set (S3001). */
struct input *input_open(const char *path, struct wq_error *e);

/* Closes and frees IN (for stdin, only the duplicate of its descriptor). NULL is fine. */
void input_close(struct input *in);

/* The length of PATH without a trailing ".gz", for telling formats by extension. */
size_t input_name_length(const char *path);

#endif
