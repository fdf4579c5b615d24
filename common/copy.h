/* PostgreSQL's COPY text format, as the loader and the audit chain write it: values
 * escaped, \N for NULL, code arrays and booleans. Every bulk write goes through these. */
#ifndef WQ_COPY_H
#define WQ_COPY_H

#include "common/strbuf.h"

/* A bytea in COPY text, and as a query parameter (sb_hex's prefixes). */
#define COPY_BYTEA  "\\\\x"
#define PARAM_BYTEA "\\x"

/* Appends s with the backslash, tab, newline and carriage return escaped. */
void copy_text(struct strbuf *sb, const char *s);
/* s, or \N when s is NULL. */
void copy_opt(struct strbuf *sb, const char *s);
/* An array literal {a,b} of codes (from the code lists: plain identifiers). */
void copy_codes(struct strbuf *sb, const char *const *codes, int n);
/* A boolean of the record: t, f, or \N for -1 (not given). */
const char *copy_bool(int v);

#endif
