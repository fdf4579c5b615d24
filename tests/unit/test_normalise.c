/* Known answers for identifier normalisation (tests/data/normalise.tsv, dates.tsv). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unicode/utrans.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "etl/pseudonym/normalise.h"

/* Reads TSV rows (skipping # comments) and calls fn on each; returns failures. */
static int each_row(const char *path, int (*fn)(char **cols, int n, int line))
{
	FILE *f = fopen(path, "r");
	char buf[2048];
	int line = 0, failures = 0, rows = 0;
	assert_non_null(f);
	while (fgets(buf, sizeof buf, f)) {
		line++;
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == '#')
			continue;
		char *cols[8];
		int n = 0;
		char *p = buf;
		cols[n++] = p;
		while ((p = strchr(p, '\t')) && n < 8) {
			*p++ = '\0';
			cols[n++] = p;
		}
		failures += fn(cols, n, line);
		rows++;
	}
	fclose(f);
	assert_true(rows > 0);
	return failures;
}

static int name_row(char **cols, int n, int line)
{
	char out[1024];
	struct wq_error e;
	if (n != 2) {
		print_error("normalise.tsv:%d: expected 2 columns\n", line);
		return 1;
	}
	int len = norm_name(cols[0], strlen(cols[0]), out, sizeof out, &e);
	if (len < 0 || strcmp(out, cols[1]) != 0) {
		print_error("normalise.tsv:%d: got \"%s\", expected \"%s\"\n", line,
			    len < 0 ? e.code : out, cols[1]);
		return 1;
	}
	return 0;
}

static void names_known_answers(void **state)
{
	(void)state;
	assert_int_equal(each_row("tests/data/normalise.tsv", name_row), 0);
}

/* The spec's pairs normalise alike (pseudonymisation.md, "Known-answer tests"). */
static void spec_pairs_alike(void **state)
{
	(void)state;
	static const char *const pairs[][2] = {{"مُحَمَّد", "محمد"},
					       {"أحمد", "احمد"},
					       {"فاطمة", "فاطمه"},
					       {"José", "JOSE"},
					       {"عبد الله", "عبدالله"}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		char a[256], b[256];
		struct wq_error e;
		assert_true(norm_name(pairs[i][0], strlen(pairs[i][0]), a, sizeof a, &e) > 0);
		assert_true(norm_name(pairs[i][1], strlen(pairs[i][1]), b, sizeof b, &e) > 0);
		assert_string_equal(a, b);
	}
}

static void invalid_utf8_is_an_error(void **state)
{
	(void)state;
	static const char *const bad[] = {"\xff\xfe", "abc\xc3", "\xc0\xaf", "\xed\xa0\x80",
					  "\xf4\x90\x80\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[64];
		struct wq_error e;
		assert_int_equal(norm_name(bad[i], strlen(bad[i]), out, sizeof out, &e), -1);
		assert_string_equal(e.code, "E1002");
		/* The message never repeats the input. */
		assert_null(strstr(e.message, bad[i]));
	}
}

static void overlong_is_an_error(void **state)
{
	(void)state;
	char big[5000], out[64];
	struct wq_error e;
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(norm_name(big, strlen(big), out, sizeof out, &e), -1);
	assert_string_equal(e.code, "E1005");
	assert_int_equal(norm_name(big, 100, out, sizeof out, &e), -1); /* too long for out */
	assert_string_equal(e.code, "E1005");
}

static void national_ids(void **state)
{
	(void)state;
	static const char *const cases[][2] = {{"1098765432", "1098765432"},
					       {"1098-765-432", "1098765432"},
					       {" 109 876 5432 ", "1098765432"},
					       {"١٠٩٨٧٦٥٤٣٢", "1098765432"},
					       {"۱۰۹۸۷۶۵۴۳۲", "1098765432"},
					       {"ab123456", "AB123456"},
					       {"１２３", "123"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64];
		struct wq_error e;
		assert_true(
		    norm_national_id(cases[i][0], strlen(cases[i][0]), out, sizeof out, &e) >= 0);
		assert_string_equal(out, cases[i][1]);
	}
	/* 170 x U+FDFA is 510 bytes but 3,060 code points after NFKC: refused, not read past
	 * the end of the buffer (ASan caught that in `make asan`). */
	char big[171 * 3];
	for (int i = 0; i < 170; i++)
		memcpy(big + 3 * i, "\xEF\xB7\xBA", 3);
	char out[64];
	struct wq_error e;
	assert_int_equal(norm_national_id(big, 510, out, sizeof out, &e), -1);
	assert_string_equal(e.code, "E1005");
}

static int date_row(char **cols, int n, int line)
{
	struct wq_error e;
	int y, m, d;
	if (n != 3) {
		print_error("dates.tsv:%d: expected 3 columns\n", line);
		return 1;
	}
	int rc = norm_date(cols[0], atoi(cols[1]), &y, &m, &d, &e);
	const char *got = rc == 0 ? "ok" : e.code;
	if (strcmp(got, cols[2]) != 0) {
		print_error("dates.tsv:%d: %s got %s, expected %s\n", line, cols[0], got, cols[2]);
		return 1;
	}
	return 0;
}

static void dates_known_answers(void **state)
{
	(void)state;
	norm_set_today(20260615);
	assert_int_equal(each_row("tests/data/dates.tsv", date_row), 0);
	norm_set_today(0);
}

/* The table-free fast path agrees with utf8proc on every code point it takes (ASCII and
 * the Arabic block), alone and between letters. */
static void fast_path_matches_utf8proc(void **state)
{
	(void)state;
	int checked = 0, failures = 0;
	for (int c = 0x20; c < 0x0700; c++) {
		if (c >= 0x7F && c < 0x0600)
			continue;
		char cp[8] = {0};
		if (c < 0x80) {
			cp[0] = (char)c;
		} else {
			cp[0] = (char)(0xC0 | (c >> 6));
			cp[1] = (char)(0x80 | (c & 0x3F));
		}
		char forms[3][32];
		snprintf(forms[0], sizeof forms[0], "%s", cp);
		snprintf(forms[1], sizeof forms[1], "\xd8\xa8%s\xd8\xa8 x", cp); /* ب.ب x */
		snprintf(forms[2], sizeof forms[2], "ab%scd", cp);
		for (int f = 0; f < 3; f++) {
			char fast[128], slow[128];
			struct wq_error e1, e2;
			norm_set_fast_path(1);
			int a = norm_name(forms[f], strlen(forms[f]), fast, sizeof fast, &e1);
			norm_set_fast_path(0);
			int b = norm_name(forms[f], strlen(forms[f]), slow, sizeof slow, &e2);
			norm_set_fast_path(1);
			checked++;
			if (a != b || (a >= 0 && strcmp(fast, slow) != 0)) {
				print_error("U+%04X form %d: fast \"%s\" (%d), slow \"%s\" (%d)\n",
					    c, f, a >= 0 ? fast : "-", a, b >= 0 ? slow : "-", b);
				failures++;
			}
		}
	}
	assert_true(checked > 1000);
	assert_int_equal(failures, 0);
}

/* Every letter of Latin-1 Supplement and Latin Extended-A normalises as ICU's own
 * Latin-ASCII transliteration of it does (called here directly, not through our table),
 * and to ASCII: Ødegaard is Odegaard. */
static void latin_letters_fold_as_icu(void **state)
{
	(void)state;
	UErrorCode st = U_ZERO_ERROR;
	UChar id[16];
	u_uastrcpy(id, "Latin-ASCII");
	UTransliterator *t = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
	assert_false(U_FAILURE(st));
	int letters = 0;
	for (int32_t c = 0x00C0; c <= 0x017F; c++) {
		if (!u_isalpha(c))
			continue;
		letters++;
		char in[8], icu[32], a[64], b[64];
		UChar buf[16];
		int32_t len = 1, limit = 1;
		struct wq_error e;
		buf[0] = (UChar)c;
		st = U_ZERO_ERROR;
		utrans_transUChars(t, buf, &len, 16, 0, &limit, &st);
		assert_false(U_FAILURE(st));
		u_austrncpy(icu, buf, len);
		icu[len] = '\0';
		snprintf(in, sizeof in, "%c%c", 0xC0 | (c >> 6), 0x80 | (c & 0x3F));
		int na = norm_name(in, strlen(in), a, sizeof a, &e);
		int nb = norm_name(icu, strlen(icu), b, sizeof b, &e);
		if (na < 0 || nb < 0 || strcmp(a, b) != 0)
			fail_msg("U+%04X: ours \"%s\", ICU's \"%s\" normalised \"%s\"", (unsigned)c,
				 na < 0 ? "(error)" : a, icu, nb < 0 ? "(error)" : b);
		for (const char *p = a; *p; p++)
			if ((unsigned char)*p >= 0x80)
				fail_msg("U+%04X normalises to non-ASCII \"%s\"", (unsigned)c, a);
	}
	assert_true(letters > 180);
	utrans_close(t);
}

static void sex_codes(void **state)
{
	(void)state;
	assert_int_equal(norm_sex("female"), 'F');
	assert_int_equal(norm_sex("male"), 'M');
	assert_int_equal(norm_sex("intersex"), 'X');
	assert_int_equal(norm_sex("unknown"), 'U');
	assert_int_equal(norm_sex("F"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_known_answers),
	    cmocka_unit_test(spec_pairs_alike),
	    cmocka_unit_test(invalid_utf8_is_an_error),
	    cmocka_unit_test(overlong_is_an_error),
	    cmocka_unit_test(national_ids),
	    cmocka_unit_test(dates_known_answers),
	    cmocka_unit_test(sex_codes),
	    cmocka_unit_test(fast_path_matches_utf8proc),
	    cmocka_unit_test(latin_letters_fold_as_icu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
