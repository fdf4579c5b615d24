/* The memory of cells tokens have paid for (server/seen.c): a copy of each token's ledger
 * rows. A repeat is recognised only when every cell was paid by that token and the spent
 * total is fresh; tokens are apart; only cells not held go to the ledger, each once; rows
 * merge only onto a copy complete up to where they start; past its bytes, the least
 * recently used token leaves whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/seen.h"

static void cells(uint8_t *out, size_t n, int seed)
{
	for (size_t i = 0; i < n * 16; i++)
		out[i] = (uint8_t)((i * 131 + (size_t)seed * 7919 + 1) % 251 + 1);
	for (size_t i = 0; i < n; i++) {
		out[i * 16] = (uint8_t)(i + seed); /* distinct identities */
		out[i * 16 + 1] = (uint8_t)((i + seed) >> 8);
	}
}

static void repeats_are_recognised(void **state)
{
	(void)state;
	struct seen *s = seen_new(SEEN_BYTES);
	uint8_t a[10 * 16], b[3 * 16], fresh[13 * 16], mixed[2 * 16];
	long long synced = -1;
	double spent, budget;
	cells(a, 10, 1);
	cells(b, 3, 40);
	assert_false(seen_covers(s, 7, a, 10, &spent, &budget));
	assert_int_equal(seen_fresh(s, 7, a, 10, fresh, &synced), 10);
	assert_int_equal(synced, 0);	   /* nothing of token 7 held yet */
	seen_merge(s, 7, 0, 5, fresh, 10); /* its charge, recorded as row 5 */
	seen_spent(s, 7, 2.5, 8);
	assert_true(seen_covers(s, 7, a, 10, &spent, &budget));
	assert_true(spent == 2.5 && budget == 8);
	assert_true(seen_covers(s, 7, a + 16, 4, &spent, &budget)); /* a subset */
	assert_false(seen_covers(s, 7, b, 3, &spent, &budget)); /* new cells: the ledger decides */
	memcpy(mixed, a, 16);
	memcpy(mixed + 16, b, 16);
	assert_false(seen_covers(s, 7, mixed, 2, &spent, &budget));
	assert_int_equal(seen_fresh(s, 7, mixed, 2, fresh, &synced), 1); /* only b's goes */
	assert_memory_equal(fresh, b, 16);
	assert_int_equal(synced, 5);
	assert_false(seen_covers(s, 8, a, 10, &spent, &budget)); /* another token paid nothing */
	seen_free(s);
}

static void a_cell_twice_goes_once(void **state)
{
	(void)state;
	struct seen *s = seen_new(SEEN_BYTES);
	uint8_t a[4 * 16], twice[8 * 16], fresh[8 * 16];
	long long synced;
	cells(a, 4, 3);
	memcpy(twice, a, sizeof a);
	memcpy(twice + sizeof a, a, sizeof a);
	assert_int_equal(seen_fresh(s, 1, twice, 8, fresh, &synced), 4);
	seen_free(s);
}

static void rows_merge_only_onto_a_complete_copy(void **state)
{
	(void)state;
	struct seen *s = seen_new(SEEN_BYTES);
	uint8_t a[2 * 16], b[2 * 16], fresh[4 * 16];
	long long synced;
	double spent, budget;
	cells(a, 2, 5);
	cells(b, 2, 60);
	seen_fresh(s, 3, a, 2, fresh, &synced);
	seen_merge(s, 3, 0, 4, a, 2);
	/* Rows after 9 cannot join a copy complete up to 4 (rows 5-9 would be missing). */
	seen_merge(s, 3, 9, 12, b, 2);
	assert_int_equal(seen_fresh(s, 3, b, 2, fresh, &synced), 2);
	assert_int_equal(synced, 4);
	seen_merge(s, 3, 4, 12, b, 2); /* rows 5-12 */
	seen_spent(s, 3, 1, 8);
	assert_true(seen_covers(s, 3, b, 2, &spent, &budget));
	assert_int_equal(seen_fresh(s, 3, b, 2, fresh, &synced), 0);
	assert_int_equal(synced, 12);
	seen_free(s);
}

static void many_cells_grow_the_set(void **state)
{
	(void)state;
	struct seen *s = seen_new(SEEN_BYTES);
	size_t n = 70000; /* past the old per-token limit of 65,536 */
	uint8_t *c = malloc(n * 16), *fresh = malloc(n * 16);
	long long synced;
	double spent, budget;
	for (size_t i = 0; i < n; i++) {
		memset(c + 16 * i, 0x5a, 16);
		memcpy(c + 16 * i, &i, sizeof i);
		c[16 * i + 15] = 1;
	}
	assert_int_equal(seen_fresh(s, 1, c, n, fresh, &synced), n);
	seen_merge(s, 1, 0, 1, fresh, n);
	seen_spent(s, 1, 1, 8);
	assert_true(seen_covers(s, 1, c, n, &spent, &budget));
	free(c);
	free(fresh);
	seen_free(s);
}

static void least_recently_used_token_leaves(void **state)
{
	(void)state;
	/* Room for about two tokens' sets of 1,024 slots. */
	struct seen *s = seen_new(2 * 1024 * 16 + 1024);
	uint8_t a[16], fresh[16];
	long long synced;
	double spent, budget;
	cells(a, 1, 9);
	for (int t = 1; t <= 3; t++) {
		seen_fresh(s, t, a, 1, fresh, &synced);
		seen_merge(s, t, 0, t, a, 1);
		seen_spent(s, t, 0, 8);
	}
	assert_false(seen_covers(s, 1, a, 1, &spent, &budget)); /* the first made room */
	assert_true(seen_covers(s, 3, a, 1, &spent, &budget));
	assert_true(seen_covers(s, 2, a, 1, &spent, &budget));
	/* It comes back from its rows: complete from row 0 again. */
	assert_int_equal(seen_fresh(s, 1, a, 1, fresh, &synced), 1);
	assert_int_equal(synced, 0);
	size_t bytes, tokens;
	seen_size(s, &bytes, &tokens);
	assert_true(bytes <= 2 * 1024 * 16 + 1024);
	seen_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(repeats_are_recognised),
	    cmocka_unit_test(a_cell_twice_goes_once),
	    cmocka_unit_test(rows_merge_only_onto_a_complete_copy),
	    cmocka_unit_test(many_cells_grow_the_set),
	    cmocka_unit_test(least_recently_used_token_leaves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
