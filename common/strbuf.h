/* A growable byte buffer, for building COPY text and canonical encodings. Appends never
 * fail (allocation failure is fatal); the buffer is always NUL-terminated. */
#ifndef WQ_STRBUF_H
#define WQ_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *data;
	size_t len;
	size_t cap;
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb); /* empties it, keeps the memory */
/* Room for extra more bytes at once: a buffer that will hold a secret is never moved (its
 * old copy freed unwiped) while it is written. */
void sb_reserve(struct strbuf *sb, size_t extra);
void sb_put(struct strbuf *sb, const void *p, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the whole of the file at PATH; 0, or -1 with errno set (it could not be opened
 * or read; what was read is kept). */
int sb_read_file(struct strbuf *sb, const char *path);
/* Appends PREFIX, then the n bytes of p in lower-case hex: "\\\\x" makes a bytea for
 * COPY's text format, "\\x" one for a query parameter. */
/* One CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a comma, a
 * quote or a line break; as it is otherwise. */
void sb_csv_field(struct strbuf *sb, const char *s);
void sb_hex(struct strbuf *sb, const char *prefix, const void *p, size_t n);

#endif
