/* The growable buffer: sb_printf against snprintf, for appends that fit the free space and
 * for those that make it grow (formatted again), and the buffer's NUL ending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/strbuf.h"

/* Appends of every length from 0 to 300 bytes, each after a prefix that leaves the free
 * space anything from none to plenty: the buffer always equals the same text built by
 * snprintf, and ends in a NUL. */
static void printf_equals_snprintf(void **state)
{
	(void)state;
	char expect[8192], item[400];
	for (int width = 0; width <= 300; width += 7) {
		struct strbuf sb;
		sb_init(&sb);
		size_t at = 0;
		for (int i = 0; i < 20; i++) {
			snprintf(item, sizeof item, "%d:%*s|%s", i, width, "x", i % 3 ? "ab" : "");
			sb_printf(&sb, "%d:%*s|%s", i, width, "x", i % 3 ? "ab" : "");
			at += (size_t)snprintf(expect + at, sizeof expect - at, "%s", item);
			assert_int_equal(sb.len, at);
			assert_int_equal(strlen(sb.data), sb.len);
			assert_memory_equal(sb.data, expect, at);
			assert_true(sb.cap > sb.len);
		}
		sb_free(&sb);
	}
}

/* An append that fills the free space exactly, and one a byte longer: the first must not
 * lose its last byte to the NUL, the second must grow. */
static void printf_at_the_edge(void **state)
{
	(void)state;
	for (size_t extra = 0; extra < 3; extra++) {
		struct strbuf sb;
		sb_init(&sb);
		sb_puts(&sb, "ab");
		size_t room = sb.cap - sb.len; /* an append of room - 1 bytes fits with its NUL */
		char *text = malloc(room + extra);
		memset(text, 'z', room - 1 + extra);
		text[room - 1 + extra] = '\0';
		sb_printf(&sb, "%s", text);
		assert_int_equal(sb.len, 2 + room - 1 + extra);
		assert_memory_equal(sb.data, "ab", 2);
		assert_memory_equal(sb.data + 2, text, room - 1 + extra);
		assert_int_equal(sb.data[sb.len], '\0');
		free(text);
		sb_free(&sb);
	}
}

/* Appends to a freed buffer (no memory at all) allocate it. */
static void printf_after_free(void **state)
{
	(void)state;
	struct strbuf sb;
	sb_init(&sb);
	sb_free(&sb);
	sb_printf(&sb, "%s-%d", "again", 7);
	assert_string_equal(sb.data, "again-7");
	assert_int_equal(sb.len, 7);
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(printf_equals_snprintf),
	    cmocka_unit_test(printf_at_the_edge),
	    cmocka_unit_test(printf_after_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
