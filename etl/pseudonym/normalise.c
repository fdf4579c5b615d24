/* Identifier normalisation (see normalise.h). utf8proc does the Unicode work (NFKC,
 * case folding, stripping combining marks, which removes Latin diacritics, harakat,
 * the superscript alef and the hamza of أ إ آ ؤ ئ); the letter rules Lucene's
 * ArabicNormalizer and CAMeL Tools apply on top are a small switch. Works on a stack
 * buffer of code points: no allocation per name, since this runs once per person. */
#include "etl/pseudonym/normalise.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "etl/pseudonym/latin_ascii.h"

#define MAX_CP	  512 /* code points in one name after decomposition */
#define MAX_WORDS 32

static const utf8proc_option_t name_options = UTF8PROC_STABLE | UTF8PROC_COMPAT |
					      UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
					      UTF8PROC_STRIPMARK | UTF8PROC_IGNORE;

/* Decomposes, folds and strips marks into cp[]; returns the count or -1 with e set. */
static int decompose(const char *in, size_t len, utf8proc_int32_t *cp, struct wq_error *e)
{
	if (len > 4 * MAX_CP)
		return err_set(e, "E1005", "value is too long (at most %d characters)", MAX_CP);
	utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len,
						cp, MAX_CP, name_options);
	if (n == UTF8PROC_ERROR_INVALIDUTF8 || n == UTF8PROC_ERROR_NOTASSIGNED)
		return err_set(e, "E1002", "value is not valid UTF-8");
	if (n < 0 || n > MAX_CP)
		return err_set(e, "E1005", "value is too long (at most %d characters)", MAX_CP);
	/* Recompose what is left (Hangul, say), as NFKC would. */
	n = utf8proc_normalize_utf32(cp, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0)
		return err_set(e, "E1002", "value is not valid UTF-8");
	return (int)n;
}

/* Maps one code point: the Arabic letter rules, digits to ASCII, upper case. Returns the
 * replacement, 0 to drop it, or -1 for a word separator. */
static utf8proc_int32_t map_cp(utf8proc_int32_t c)
{
	switch (c) {
	case 0x0671: /* ٱ alef wasla */
		return 0x0627;
	case 0x0629: /* ة taa marbuta */
		return 0x0647;
	case 0x0649: /* ى alef maqsura */
	case 0x06CC: /* ی Persian yeh */
		return 0x064A;
	case 0x06A9: /* ک Persian kaf */
		return 0x0643;
	case 0x0640: /* tatweel */
	case '\'':
	case 0x2019: /* right single quotation mark, as in O’Brien */
	case 0x02BC: /* modifier letter apostrophe */
	case '`':
		return 0;
	}
	if (c >= 0x0660 && c <= 0x0669)
		return '0' + (c - 0x0660);
	if (c >= 0x06F0 && c <= 0x06F9)
		return '0' + (c - 0x06F0);
	utf8proc_category_t cat = utf8proc_category(c);
	if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
		return utf8proc_toupper(c);
	if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)
		return c;
	return -1;
}

struct word {
	const char *s;
	size_t len;
};

/* Whether w is the listed word s. A name's words are a person's identifier in plaintext:
 * compared in constant time (sodium_memcmp), as every secret is, whatever the list. */
static int word_is(const struct word *w, const char *s, size_t len)
{
	return w->len == len && sodium_memcmp(w->s, s, len) == 0;
}

/* A word list entry with its length, so that matching needs no strlen. */
struct listed {
	const char *s;
	size_t len;
};
#define W(s)                                                                                       \
	{                                                                                          \
		s, sizeof s - 1                                                                    \
	}

/* Titles dropped from names (already normalised: upper case, ة as ه, أ as ا). */
static const struct listed titles[] = {
    W("MR"),	   W("MRS"),	W("MS"),     W("MISS"),	   W("DR"),	  W("PROF"),
    W("SIR"),	   W("MME"),	W("MLLE"),   W("MADAME"),  W("MONSIEUR"), W("SR"),
    W("SRA"),	   W("SHEIKH"), W("SHAIKH"), W("SHEIKHA"), W("HAJ"),	  W("HAJJ"),
    W("HAJJI"),	   W("السيد"),	W("السيده"), W("الشيخ"),   W("الشيخه"),	  W("الدكتور"),
    W("الدكتوره"), W("د"),	W("الحاج"),  W("الحاجه"),  W("الاستاذ"),  W("الاستاذه"),
};
/* Patronymic separators: محمد بن علي is محمد علي. */
static const struct listed separators[] = {W("بن"), W("بنت"), W("ابن")};

static int in_list(const struct word *w, const struct listed *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (word_is(w, list[i].s, list[i].len))
			return 1;
	return 0;
}

/* The fast path: ASCII and the Arabic letters, harakat and digits that need no Unicode
 * tables. Returns the mapped code point (as map_cp would after utf8proc's folding), 0 to
 * drop, -1 for a separator, or -2 when the slow path must decide. test_normalise checks
 * that both paths agree on every code point the fast path takes. */
static utf8proc_int32_t fast_cp(utf8proc_int32_t c)
{
	if (c < 0x80) {
		if (c >= 'a' && c <= 'z')
			return c - 32;
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			return c;
		if (c == '\'' || c == '`')
			return 0;
		return c >= 0x20 && c < 0x7F ? -1 : -2;
	}
	if ((c >= 0x064B && c <= 0x0652) || c == 0x0670 || c == 0x0640)
		return 0; /* harakat, superscript alef, tatweel */
	switch (c) {
	case 0x0622: /* آ أ إ ٱ */
	case 0x0623:
	case 0x0625:
	case 0x0671:
		return 0x0627;
	case 0x0624: /* ؤ */
		return 0x0648;
	case 0x0626: /* ئ ى ی */
	case 0x0649:
	case 0x06CC:
		return 0x064A;
	case 0x0629: /* ة */
		return 0x0647;
	case 0x06A9: /* ک */
		return 0x0643;
	}
	if (c >= 0x0621 && c <= 0x063A)
		return c;
	if (c >= 0x0641 && c <= 0x064A)
		return c;
	if (c >= 0x0660 && c <= 0x0669)
		return '0' + (c - 0x0660);
	if (c >= 0x06F0 && c <= 0x06F9)
		return '0' + (c - 0x06F0);
	return -2;
}

static int fast_enabled = 1;

void norm_set_fast_path(int on)
{
	fast_enabled = on;
}

/* Maps in[] through the fast path into cp[] (already mapped); -1 when it cannot. */
static int fast_map(const char *in, size_t len, utf8proc_int32_t *cp)
{
	const unsigned char *p = (const unsigned char *)in;
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		utf8proc_int32_t c = p[i];
		if (c >= 0x80) {
			if (c < 0xD8 || c > 0xDB || i + 1 >= len || (p[i + 1] & 0xC0) != 0x80)
				return -1;
			c = ((c & 0x1F) << 6) | (p[++i] & 0x3F);
		}
		if (n == MAX_CP)
			return -1;
		utf8proc_int32_t m = fast_cp(c);
		if (m == -2)
			return -1;
		cp[n++] = m;
	}
	return n;
}

/* Writes code point c (valid: from utf8proc or the fast path) as UTF-8; returns its
 * length. Inline, since a library call per character kept the loop's state in memory. */
static size_t put_utf8(char *p, utf8proc_int32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xC0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xE0 | c >> 12);
		p[1] = (char)(0x80 | (c >> 6 & 0x3F));
		p[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | c >> 18);
	p[1] = (char)(0x80 | (c >> 12 & 0x3F));
	p[2] = (char)(0x80 | (c >> 6 & 0x3F));
	p[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Maps the decomposed code points in[0..n-1] into cp[]: Latin letters without a
 * decomposition folded to ASCII (latin_ascii.h), then map_cp. Returns the count, or -1
 * with e set. */
static int fold_latin(const utf8proc_int32_t *in, int n, utf8proc_int32_t *cp, struct wq_error *e)
{
	int o = 0;
	for (int i = 0; i < n; i++) {
		char ascii[5];
		int k = in[i] >= LATIN_ASCII_FIRST ? latin_ascii(in[i], ascii) : 0;
		if (k < 0)
			return err_set(e, "S1005",
				       "the Latin-ASCII table of ICU could not be opened");
		if (o + (k ? k : 1) > MAX_CP)
			return err_set(e, "E1005", "value is too long (at most %d characters)",
				       MAX_CP);
		if (k == 0)
			cp[o++] = map_cp(in[i]);
		for (int j = 0; j < k; j++)
			cp[o++] = map_cp((unsigned char)ascii[j]);
		explicit_bzero(ascii, sizeof ascii);
	}
	return o;
}

/* A name's working copies: wiped when norm_name returns, since they hold the name. */
struct scratch {
	utf8proc_int32_t folded[MAX_CP]; /* the slow path's decomposition, before folding */
	utf8proc_int32_t cp[MAX_CP];
	char buf[4 * MAX_CP + MAX_CP];
	int n;	     /* code points in cp[] */
	int slow;    /* the slow path ran: folded[] and all of cp[] may hold the name */
	size_t blen; /* bytes in buf[] */
};

static int normalise_name(struct scratch *s, const char *in, size_t len, char *out, size_t outsz,
			  struct wq_error *e)
{
	utf8proc_int32_t *cp = s->cp;
	char *buf = s->buf;
	struct word words[MAX_WORDS];
	int nwords = 0;

	/* cp[] holds mapped code points (0 drop, -1 separator) from either path. */
	int n = fast_enabled ? fast_map(in, len, cp) : -1;
	if (n < 0) {
		s->slow = 1; /* the failed fast path may have written anywhere in cp[] */
		n = decompose(in, len, s->folded, e);
		if (n < 0)
			return -1;
		n = fold_latin(s->folded, n, cp, e);
		if (n < 0)
			return -1;
	}
	s->n = n;
	s->blen = 0;

	/* Code points into UTF-8 words. Dropped code points and separators write nothing,
	 * so each word ends where the next begins. */
	size_t blen = 0;
	int in_word = 0;
	for (int i = 0; i < n; i++) {
		utf8proc_int32_t c = cp[i];
		if (c == 0)
			continue;
		if (c < 0) {
			in_word = 0;
			continue;
		}
		if (!in_word) {
			if (nwords == MAX_WORDS) {
				s->blen = blen;
				return err_set(e, "E1005", "name has too many words (at most %d)",
					       MAX_WORDS);
			}
			words[nwords++].s = buf + blen;
			in_word = 1;
		}
		blen += put_utf8(buf + blen, c);
	}
	s->blen = blen;
	for (int i = 0; i < nwords; i++)
		words[i].len =
		    (size_t)((i + 1 < nwords ? words[i + 1].s : buf + blen) - words[i].s);

	/* Word rules; titles and separators only go when something else remains. */
	size_t o = 0;
	int kept = 0;
	for (int i = 0; i < nwords; i++) {
		struct word *w = &words[i];
		if (nwords > 1 && in_list(w, titles, sizeof titles / sizeof titles[0]))
			continue;
		if (kept > 0 && in_list(w, separators, sizeof separators / sizeof separators[0]))
			continue;
		size_t need = w->len + (kept ? 1 : 0);
		if (o + need + 1 > outsz)
			return err_set(e, "E1005", "name is too long after normalisation");
		/* "عبد الله" is written "عبدالله" too: join عبد with a following ال... word. */
		int join = kept && i > 0 && word_is(&words[i - 1], "عبد", sizeof "عبد" - 1) &&
			   w->len >= 4 && sodium_memcmp(w->s, "ال", 4) == 0;
		if (kept && !join)
			out[o++] = ' ';
		memcpy(out + o, w->s, w->len);
		o += w->len;
		kept++;
	}
	out[o] = '\0';
	return (int)o;
}

int norm_name(const char *in, size_t len, char *out, size_t outsz, struct wq_error *e)
{
	struct scratch s; /* no initialiser: zero-filling its 4.5 KiB took a quarter of the time */
	s.n = 0;
	s.slow = 0;
	s.blen = 0;
	int n = normalise_name(&s, in, len, out, outsz, e);
	if (s.slow) {
		explicit_bzero(s.cp, sizeof s.cp);
		explicit_bzero(s.folded, sizeof s.folded);
	} else {
		explicit_bzero(s.cp, (size_t)s.n * sizeof s.cp[0]);
	}
	explicit_bzero(s.buf, s.blen);
	return n;
}

int norm_national_id(const char *in, size_t len, char *out, size_t outsz, struct wq_error *e)
{
	utf8proc_int32_t cp[MAX_CP];
	utf8proc_ssize_t n;
	size_t o = 0;
	int rc;

	if (len > MAX_CP)
		return err_set(e, "E1005", "national ID is too long (at most %d characters)",
			       MAX_CP);
	/* ASCII decomposes to itself: most IDs need no Unicode tables. */
	n = 0;
	while ((size_t)n < len && (unsigned char)in[n] < 0x80) {
		cp[n] = (unsigned char)in[n];
		n++;
	}
	if ((size_t)n < len) {
		explicit_bzero(cp, (size_t)n * sizeof cp[0]);
		n = utf8proc_decompose((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len, cp,
				       MAX_CP,
				       UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE);
		if (n < 0) {
			rc = err_set(e, "E1002", "national ID is not valid UTF-8");
			n = MAX_CP; /* it may have written some */
			goto out;
		}
	}
	if (n > MAX_CP) {
		/* Compatibility decompositions can outgrow the input (U+FDFA is 18 code
		 * points); utf8proc then wrote MAX_CP of them. */
		rc = err_set(e, "E1005", "national ID is too long (at most %d characters)", MAX_CP);
		n = MAX_CP;
		goto out;
	}
	for (utf8proc_ssize_t i = 0; i < n; i++) {
		utf8proc_int32_t c = cp[i];
		if (c >= 0x0660 && c <= 0x0669)
			c = '0' + (c - 0x0660);
		else if (c >= 0x06F0 && c <= 0x06F9)
			c = '0' + (c - 0x06F0);
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
			continue;
		if (o + 2 > outsz) {
			rc = err_set(e, "E1005", "national ID is too long");
			goto out;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	rc = (int)o;
out:
	explicit_bzero(cp, (size_t)n * sizeof cp[0]); /* the ID's code points */
	return rc;
}

static int today_pinned;

void norm_set_today(int yyyymmdd)
{
	today_pinned = yyyymmdd;
}

int norm_today(void)
{
	/* Called once per date checked: recompute the calendar date only when the day
	 * changes (gmtime_r is costly next to the rest of a person's work). */
	static __thread time_t cached_day = -1;
	static __thread int cached;
	if (today_pinned)
		return today_pinned;
	time_t t = time(NULL);
	if (t / 86400 != cached_day) {
		struct tm tm;
		gmtime_r(&t, &tm);
		cached = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
		cached_day = t / 86400;
	}
	return cached;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int norm_date(const char *s, int allow_month, int *y, int *m, int *d, struct wq_error *e)
{
	size_t len = strlen(s);
	int is_month = len == 7;
	if (!(len == 10 || (allow_month && is_month)) || s[4] != '-' || (!is_month && s[7] != '-'))
		return err_set(e, "E1004",
			       allow_month ? "expected a date YYYY-MM-DD or a month YYYY-MM"
					   : "expected a date YYYY-MM-DD");
	*y = digits(s, 4);
	*m = digits(s + 5, 2);
	*d = is_month ? 0 : digits(s + 8, 2);
	if (*y < 0 || *m < 0 || *d < 0)
		return err_set(e, "E1004",
			       allow_month ? "expected a date YYYY-MM-DD or a month YYYY-MM"
					   : "expected a date YYYY-MM-DD");
	if (*m < 1 || *m > 12 || (!is_month && (*d < 1 || *d > days_in_month(*y, *m))))
		return err_set(e, "E3001", "not a calendar date");
	int today = norm_today();
	int value = *y * 10000 + *m * 100 + (is_month ? 1 : *d);
	if (*y < 1900 || value > today)
		return err_set(e, "E3001", "date outside 1900-01-01..today");
	return 0;
}

char norm_sex(const char *code)
{
	if (strcmp(code, "female") == 0)
		return 'F';
	if (strcmp(code, "male") == 0)
		return 'M';
	if (strcmp(code, "intersex") == 0)
		return 'X';
	if (strcmp(code, "unknown") == 0)
		return 'U';
	return 0;
}

int norm_soundex(const char *name, char out[5])
{
	/* A..Z: 0 for vowels (they separate equal codes), '-' for H and W (they do not). */
	static const char code[] = "01230120022455012623010202";
	int n = 0;
	char last = 0;
	out[0] = '\0';
	for (const char *p = name; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p < 'A' || *p > 'Z')
			return -1;
		char c = code[*p - 'A'];
		if (*p == 'H' || *p == 'W')
			c = '-';
		if (n == 0) {
			out[n++] = *p;
			last = c;
			continue;
		}
		if (c == '-')
			continue;
		if (c != '0' && c != last && n < 4)
			out[n++] = c;
		last = c;
	}
	if (n == 0)
		return -1;
	while (n < 4)
		out[n++] = '0';
	out[4] = '\0';
	return 0;
}
