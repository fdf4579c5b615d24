/* The memory of cells tokens have paid for (server/seen.c): a repeat is recognised only
 * when every cell was paid by that token and the spent total is fresh; tokens are apart;
 * the least recently used token makes room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/seen.h"

static void cells(uint8_t *out, size_t n, int seed)
{
	for (size_t i = 0; i < n * 16; i++)
		out[i] = (uint8_t)((i * 131 + (size_t)seed * 7919 + 1) % 251 + 1);
	for (size_t i = 0; i < n; i++)
		out[i * 16] = (uint8_t)(i + seed); /* distinct identities */
}

static void repeats_are_recognised(void **state)
{
	(void)state;
	struct seen *s = seen_new();
	uint8_t a[10 * 16], b[3 * 16];
	double spent = -1, budget = 0;
	cells(a, 10, 1);
	cells(b, 3, 100);
	assert_false(seen_covers(s, 7, a, 10, &spent, &budget));
	seen_add(s, 7, a, 10, 2.5, 8);
	assert_true(seen_covers(s, 7, a, 10, &spent, &budget));
	assert_true(spent == 2.5);
	assert_true(seen_covers(s, 7, a + 16, 4, &spent, &budget)); /* a subset */
	assert_false(seen_covers(s, 7, b, 3, &spent, &budget)); /* new cells: the ledger decides */
	uint8_t mixed[2 * 16];
	memcpy(mixed, a, 16);
	memcpy(mixed + 16, b, 16);
	assert_false(seen_covers(s, 7, mixed, 2, &spent, &budget));
	assert_false(seen_covers(s, 8, a, 10, &spent, &budget)); /* another token paid nothing */
	seen_free(s);
}

static void many_cells_grow_the_set(void **state)
{
	(void)state;
	struct seen *s = seen_new();
	static uint8_t c[5000 * 16];
	double spent, budget;
	for (size_t i = 0; i < 5000; i++) {
		memset(c + i * 16, 0, 16);
		memcpy(c + i * 16, &i, sizeof i);
		c[i * 16 + 15] = 0xA5;
	}
	seen_add(s, 1, c, 5000, 1, 8);
	assert_true(seen_covers(s, 1, c, 5000, &spent, &budget));
	seen_free(s);
}

static void least_recently_used_token_leaves(void **state)
{
	(void)state;
	struct seen *s = seen_new();
	uint8_t a[16];
	double spent, budget;
	cells(a, 1, 3);
	for (int t = 1; t <= SEEN_TOKENS + 1; t++)
		seen_add(s, t, a, 1, 0, 8);
	assert_false(seen_covers(s, 1, a, 1, &spent, &budget)); /* the first made room */
	assert_true(seen_covers(s, SEEN_TOKENS + 1, a, 1, &spent, &budget));
	assert_true(seen_covers(s, 2, a, 1, &spent, &budget));
	seen_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(repeats_are_recognised),
	    cmocka_unit_test(many_cells_grow_the_set),
	    cmocka_unit_test(least_recently_used_token_leaves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
