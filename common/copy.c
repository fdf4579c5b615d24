/* COPY text (see copy.h). */
#include "common/copy.h"

void copy_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\r':
			sb_puts(sb, "\\r");
			break;
		default:
			sb_putc(sb, *s);
		}
	}
}

void copy_opt(struct strbuf *sb, const char *s)
{
	if (s)
		copy_text(sb, s);
	else
		sb_puts(sb, "\\N");
}

void copy_codes(struct strbuf *sb, const char *const *codes, int n)
{
	sb_putc(sb, '{');
	for (int i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_puts(sb, codes[i]);
	}
	sb_putc(sb, '}');
}

const char *copy_bool(int v)
{
	return v < 0 ? "\\N" : v ? "t" : "f";
}
