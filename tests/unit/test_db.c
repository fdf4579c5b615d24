/* The binary bytea[] parameter (db_bytea_array) byte for byte, as PostgreSQL's array_recv
 * reads it: one dimension of N elements, or none for an empty array. (Its round trip
 * through PostgreSQL is every load's token lookup: tests/integration/etl.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/db.h"

static void empty_array_has_no_dimension(void **state)
{
	(void)state;
	struct strbuf sb;
	sb_init(&sb);
	db_bytea_array(&sb, NULL, 0, 32);
	/* dimensions 0, flags 0, element type 17 (bytea) */
	static const unsigned char want[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17};
	assert_int_equal(sb.len, sizeof want);
	assert_memory_equal(sb.data, want, sizeof want);
	sb_free(&sb);
}

static void two_elements_big_endian(void **state)
{
	(void)state;
	uint8_t a[3] = {1, 2, 3}, b[3] = {0xfd, 0xfe, 0xff};
	const uint8_t *items[] = {a, b};
	struct strbuf sb;
	sb_init(&sb);
	db_bytea_array(&sb, items, 2, 3);
	static const unsigned char want[] = {
	    0, 0, 0, 1,			/* one dimension */
	    0, 0, 0, 0,			/* no nulls */
	    0, 0, 0, 17,		/* bytea */
	    0, 0, 0, 2,			/* of two elements */
	    0, 0, 0, 1,			/* from index 1 */
	    0, 0, 0, 3,	 1,    2,    3, /* each its length, then its bytes */
	    0, 0, 0, 3,	 0xfd, 0xfe, 0xff,
	};
	assert_int_equal(sb.len, sizeof want);
	assert_memory_equal(sb.data, want, sizeof want);
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_array_has_no_dimension),
	    cmocka_unit_test(two_elements_big_endian),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
