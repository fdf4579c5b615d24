/* The one error report every layer fills, shaped like PostgreSQL's: a stable code, a short
 * primary message, an optional detail and hint. It maps one-to-one onto problem+json
 * (code, title, detail, hint) and onto the CLI's stderr. Never put an identifier in it. */
#ifndef WQ_ERROR_H
#define WQ_ERROR_H

#include <stdio.h>

struct wq_error {
	char code[16];	   /* e.g. "E2001", "S1002"; empty when no error */
	char message[256]; /* short, lower case, no trailing period */
	char detail[768];
	char hint[256];
	char field[64]; /* the parameter or field at fault (PostgreSQL's column), or empty */
};

void err_clear(struct wq_error *e);
/* Sets code and message, clearing detail and hint. Returns -1 so callers can
 * `return err_set(...)`. */
int err_set(struct wq_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void err_detail(struct wq_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_hint(struct wq_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Names the parameter at fault: a problem then lists it in invalid_params. */
void err_field(struct wq_error *e, const char *name);
int err_is_set(const struct wq_error *e);
/* "ERROR:  S1001: message\nDETAIL:  ...\nHINT:  ...\n", as psql prints a report. */
void err_print(const struct wq_error *e, FILE *f);

#endif
