/* The bounded scan of a request body (etl/intake/json_scan.c): depth, array sizes and the
 * top-level count as a parser would see them, brackets and escapes inside strings
 * ignored, and a limit found without reading past it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "etl/intake/json_scan.h"

static enum json_scan_result scan(const char *s, int depth, long items, long top, long *n)
{
	struct json_scan_limits lim = {depth, items, top};
	return json_scan(s, strlen(s), &lim, n);
}

static void counts_records(void **state)
{
	(void)state;
	long n = -1;
	assert_int_equal(scan("[{\"a\":1},{\"b\":[1,2]},{}]", 4, 10, 10, &n), SCAN_OK);
	assert_int_equal(n, 3);
	assert_int_equal(scan("[]", 4, 10, 10, &n), SCAN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(scan(" [ 1 ] ", 4, 10, 10, &n), SCAN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(scan("{\"x\":[1,2,3]}", 4, 10, 10, &n), SCAN_OK);
	assert_int_equal(n, 1); /* a lone object is one record */
	assert_int_equal(scan("[1,2,3,4]", 4, 10, 3, &n), SCAN_TOO_MANY);
}

static void strings_do_not_count(void **state)
{
	(void)state;
	long n;
	/* Brackets, commas and escaped quotes inside strings are text. */
	assert_int_equal(scan("[\"[[[[,,,,\", \"a\\\"]]]\", \"\\\\\"]", 2, 10, 10, &n), SCAN_OK);
	assert_int_equal(n, 3);
	assert_int_equal(scan("{\"k\":\"{{{{{{{{{{\"}", 2, 10, 10, &n), SCAN_OK);
}

static void depth_and_items(void **state)
{
	(void)state;
	long n;
	assert_int_equal(scan("[[[1]]]", 3, 10, 10, &n), SCAN_OK);
	assert_int_equal(scan("[[[[1]]]]", 3, 10, 10, &n), SCAN_TOO_DEEP);
	assert_int_equal(scan("[{\"a\":[1,2,3]}]", 4, 3, 10, &n), SCAN_OK);
	assert_int_equal(scan("[{\"a\":[1,2,3,4]}]", 4, 3, 10, &n), SCAN_ARRAY_TOO_LONG);
	/* 100,000 levels: refused at the limit, whatever follows. */
	size_t deep = 100000;
	char *s = malloc(2 * deep + 1);
	memset(s, '[', deep);
	memset(s + deep, ']', deep);
	s[2 * deep] = '\0';
	assert_int_equal(scan(s, 16, 1000, 1000, &n), SCAN_TOO_DEEP);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(counts_records),
	    cmocka_unit_test(strings_do_not_count),
	    cmocka_unit_test(depth_and_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
