/* A table's rows as text (see rows.h). */
#include "server/rows.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* The threads' memos, two each (JSON, CSV: a number's text differs), freed when the thread
 * ends. */
static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_free(void *memo)
{
	free(memo);
}

static void memo_key_make(void)
{
	if (pthread_key_create(&memo_key, memo_free) != 0)
		abort(); /* at most PTHREAD_KEYS_MAX keys: never, with one */
}

static struct rows_memo *thread_memo(int csv)
{
	pthread_once(&memo_once, memo_key_make);
	struct rows_memo *m = pthread_getspecific(memo_key);
	if (!m) {
		m = xcalloc(2 * ROWS_MEMO, sizeof *m);
		if (pthread_setspecific(memo_key, m) != 0)
			abort(); /* no memory for the slot: as xcalloc's failure */
	}
	return m + (csv ? ROWS_MEMO : 0);
}

void rows_init(struct rows *r, int csv)
{
	memset(r, 0, sizeof *r);
	sb_init(&r->text);
	r->csv = csv;
	r->memo = thread_memo(csv);
	if (!csv)
		sb_putc(&r->text, '[');
}

void rows_free(struct rows *r)
{
	sb_free(&r->text);
	r->memo = NULL;
}

void rows_begin(struct rows *r)
{
	if (!r->csv)
		sb_puts(&r->text, r->nrows ? ",[" : "[");
	r->ncols = 0;
}

void rows_end(struct rows *r)
{
	sb_puts(&r->text, r->csv ? "\r\n" : "]");
	r->nrows++;
}

/* Before a value: its separator. */
static void next(struct rows *r)
{
	if (r->ncols++)
		sb_putc(&r->text, ',');
}

void rows_null(struct rows *r)
{
	next(r);
	if (!r->csv)
		sb_puts(&r->text, "null");
}

/* s as a JSON string, escaped as jansson escapes it (no option: UTF-8 as it is). */
static void json_string_text(struct strbuf *sb, const char *s)
{
	size_t plain = 0; /* most values are codes: no byte to escape */
	while (s[plain] && s[plain] != '"' && s[plain] != '\\' && (unsigned char)s[plain] >= 0x20)
		plain++;
	sb_putc(sb, '"');
	sb_put(sb, s, plain);
	for (const unsigned char *p = (const unsigned char *)s + plain; *p; p++) {
		switch (*p) {
		case '"':
			sb_puts(sb, "\\\"");
			break;
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '\b':
			sb_puts(sb, "\\b");
			break;
		case '\f':
			sb_puts(sb, "\\f");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\r':
			sb_puts(sb, "\\r");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		default:
			if (*p < 0x20)
				sb_printf(sb, "\\u%04X", *p);
			else
				sb_putc(sb, (char)*p);
		}
	}
	sb_putc(sb, '"');
}

void rows_string(struct rows *r, const char *s)
{
	next(r);
	if (r->csv)
		sb_csv_field(&r->text, s);
	else
		json_string_text(&r->text, s);
}

void rows_int(struct rows *r, long long v)
{
	char buf[24], *p = buf + sizeof buf;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	next(r);
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	sb_put(&r->text, p, (size_t)(buf + sizeof buf - p));
}

void rows_bool(struct rows *r, int v)
{
	next(r);
	sb_puts(&r->text, v ? "true" : "false");
}

/* v to 17 significant digits as jansson's dumps writes a real (JSON) or as "%.17g" (CSV,
 * as respond.c's CSV of a document): with ".0" when it would read as an integer, and the
 * exponent without its '+' and leading zeros. */
static int real_text(char *buf, size_t size, double v, int csv)
{
	int n = snprintf(buf, size, "%.17g", v);
	if (csv || n < 0 || (size_t)n + 3 > size)
		return n;
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	char *start = strchr(buf, 'e');
	if (start) {
		start++;
		char *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)n - (size_t)(end - buf) + 1);
			n -= (int)(end - start);
		}
	}
	return n;
}

void rows_real(struct rows *r, double v)
{
	if (!isfinite(v)) {
		rows_null(r);
		return;
	}
	next(r);
	unsigned long long bits;
	memcpy(&bits, &v, sizeof bits);
	struct rows_memo *m = &r->memo[(bits * 0x9E3779B97F4A7C15ULL) >> (64 - ROWS_MEMO_BITS)];
	if (!m->len || m->bits != bits) {
		int n = real_text(m->text, sizeof m->text, v, r->csv);
		if (n <= 0 || (size_t)n >= sizeof m->text) { /* never: 17 digits fit */
			m->len = 0;
			sb_printf(&r->text, "%.17g", v);
			return;
		}
		m->bits = bits;
		m->len = (unsigned char)n;
	}
	sb_put(&r->text, m->text, m->len);
}

const char *rows_text(struct rows *r, size_t *len)
{
	if (!r->csv && !r->closed)
		sb_putc(&r->text, ']');
	r->closed = 1;
	*len = r->text.len;
	return r->text.data;
}
