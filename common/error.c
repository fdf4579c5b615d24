/* PostgreSQL-shaped error reports (see error.h). */
#include "common/error.h"

#include <stdarg.h>
#include <string.h>

void err_clear(struct wq_error *e)
{
	memset(e, 0, sizeof *e);
}

int err_set(struct wq_error *e, const char *code, const char *fmt, ...)
{
	va_list ap;
	err_clear(e);
	snprintf(e->code, sizeof e->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

void err_detail(struct wq_error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof e->detail, fmt, ap);
	va_end(ap);
}

void err_hint(struct wq_error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->hint, sizeof e->hint, fmt, ap);
	va_end(ap);
}

void err_field(struct wq_error *e, const char *name)
{
	snprintf(e->field, sizeof e->field, "%s", name);
}

int err_is_set(const struct wq_error *e)
{
	return e->code[0] != '\0';
}

void err_print(const struct wq_error *e, FILE *f)
{
	fprintf(f, "ERROR:  %s: %s\n", e->code[0] ? e->code : "S0000", e->message);
	if (e->detail[0])
		fprintf(f, "DETAIL:  %s\n", e->detail);
	if (e->hint[0])
		fprintf(f, "HINT:  %s\n", e->hint);
}
