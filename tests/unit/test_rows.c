/* A table's rows written as text (server/rows.c) read as jansson would have written them:
 * the same numbers to 17 digits (".0" on an integral real, exponents without '+' or
 * leading zeros), strings escaped alike, nulls and booleans; the memo of numbers gives the
 * same text on a repeat, on a collision and in the thread's next table of either format;
 * CSV as respond.c's CSV of a document. */
#include <jansson.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/rows.h"

static const double reals[] = {69.0,	0.0,
			       -0.0,	51.832773422048106,
			       1e300,	1e-300,
			       -2.5e-7, 123456789012345678.0,
			       1.0 / 3, 2.3133064158456005,
			       1e21,	1e15,
			       -1234.5, 4.9e-324,
			       DBL_MAX};

static void same_as_jansson(void **state)
{
	(void)state;
	const char *strings[] = {"DC-01",	"a \"quoted\" one", "back\\slash", "tab\there",
				 "line\nbreak", "\001control",	    "العاصمة",	   ""};
	struct rows r;
	json_t *rows = json_array();
	rows_init(&r, 0);
	for (int round = 0; round < 2; round++) /* the second from the memo */
		for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
			json_t *row = json_array();
			rows_begin(&r);
			rows_real(&r, reals[i]);
			json_array_append_new(row, json_real(reals[i]));
			rows_int(&r, (long long)i * -7919 * (round ? 1 : -1));
			json_array_append_new(
			    row, json_integer((json_int_t)i * -7919 * (round ? 1 : -1)));
			rows_string(&r, strings[i % (sizeof strings / sizeof *strings)]);
			json_array_append_new(
			    row, json_string(strings[i % (sizeof strings / sizeof *strings)]));
			rows_null(&r);
			json_array_append_new(row, json_null());
			rows_real(&r, NAN);
			json_array_append_new(row, json_null());
			rows_bool(&r, (int)(i & 1));
			json_array_append_new(row, json_boolean(i & 1));
			rows_end(&r);
			json_array_append_new(rows, row);
		}
	size_t len;
	const char *text = rows_text(&r, &len);
	char *want = json_dumps(rows, JSON_COMPACT | JSON_REAL_PRECISION(17));
	assert_string_equal(text, want);
	assert_int_equal(len, strlen(want));
	free(want);
	json_decref(rows);
	rows_free(&r);
}

static void empty_table(void **state)
{
	(void)state;
	struct rows r;
	size_t len;
	rows_init(&r, 0);
	assert_string_equal(rows_text(&r, &len), "[]");
	assert_string_equal(rows_text(&r, &len), "[]"); /* closed once */
	rows_free(&r);
	rows_init(&r, 1);
	assert_string_equal(rows_text(&r, &len), "");
	rows_free(&r);
}

static void csv(void **state)
{
	(void)state;
	struct rows r;
	size_t len;
	rows_init(&r, 1);
	rows_begin(&r);
	rows_int(&r, 2015);
	rows_string(&r, "a, \"b\"");
	rows_real(&r, 69.0);
	rows_real(&r, 2.3133064158456005);
	rows_null(&r);
	rows_real(&r, INFINITY);
	rows_bool(&r, 1);
	rows_end(&r);
	rows_begin(&r);
	rows_real(&r, 1e21);
	rows_end(&r);
	assert_string_equal(rows_text(&r, &len),
			    "2015,\"a, \"\"b\"\"\",69,2.3133064158456005,,,true\r\n1e+21\r\n");
	rows_free(&r);
	/* The thread's memos outlive their tables, one a format: a JSON table after the CSV
	 * one (and after same_as_jansson's) writes the same numbers as JSON. */
	rows_init(&r, 0);
	rows_begin(&r);
	rows_real(&r, 69.0);
	rows_real(&r, 1e21);
	rows_real(&r, 2.3133064158456005);
	rows_end(&r);
	assert_string_equal(rows_text(&r, &len), "[[69.0,1e21,2.3133064158456005]]");
	rows_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(same_as_jansson),
					   cmocka_unit_test(empty_table), cmocka_unit_test(csv)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
