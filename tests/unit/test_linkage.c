/* Person linkage by union-find: shared tokens, existing persons, merges, unlinkables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "etl/linkage.h"

static struct token tok(uint8_t id, uint8_t kind)
{
	struct token t = {.kind = kind};
	memset(t.hash, 0, TOKEN_BYTES);
	t.hash[0] = id;
	return t;
}

static void shared_tokens_link_transitively(void **state)
{
	(void)state;
	/* A-B share 1, B-C share 2, D alone, E has no token. */
	struct token a[] = {tok(1, 1)}, b[] = {tok(1, 1), tok(2, 2)}, c[] = {tok(2, 2), tok(3, 3)},
		     d[] = {tok(4, 1)};
	const struct token *toks[] = {a, b, c, d, NULL};
	int ntok[] = {1, 2, 2, 1, 0};
	struct linkage l;
	linkage_run(&l, 5, toks, ntok, NULL, 0);
	assert_int_equal(l.n_comp, 3);
	assert_int_equal(l.comp[0], l.comp[1]);
	assert_int_equal(l.comp[1], l.comp[2]);
	assert_int_not_equal(l.comp[0], l.comp[3]);
	assert_int_not_equal(l.comp[3], l.comp[4]);
	for (size_t i = 0; i < l.n_comp; i++)
		assert_int_equal(l.comp_pid[i], 0);
	assert_int_equal(l.n_merges, 0);
	/* Distinct new tokens: 1, 2, 3, 4, each for its component. */
	assert_int_equal(l.n_new_tokens, 4);
	for (size_t i = 0; i < l.n_new_tokens; i++) {
		int id = l.new_tokens[i].tok->hash[0];
		assert_int_equal(l.new_tokens[i].comp, id == 4 ? l.comp[3] : l.comp[0]);
	}
	linkage_free(&l);
}

static void existing_person_is_reused(void **state)
{
	(void)state;
	struct token a[] = {tok(1, 1), tok(9, 2)};
	const struct token *toks[] = {a};
	int ntok[] = {2};
	struct link_match m[] = {{.person_id = 5}};
	memcpy(m[0].token, a[0].hash, TOKEN_BYTES);
	struct linkage l;
	linkage_run(&l, 1, toks, ntok, m, 1);
	assert_int_equal(l.n_comp, 1);
	assert_int_equal(l.comp_pid[0], 5);
	assert_int_equal(l.n_new_tokens, 1); /* token 9 is new for person 5 */
	assert_int_equal(l.new_tokens[0].tok->hash[0], 9);
	assert_int_equal(l.n_merges, 0);
	linkage_free(&l);
}

static void two_persons_merge_into_the_lower(void **state)
{
	(void)state;
	/* One record carries the national ID of person 7 and the demographics of person 3;
	 * another occurrence matches person 7 only. */
	struct token a[] = {tok(1, 1), tok(2, 2)}, b[] = {tok(1, 1)};
	const struct token *toks[] = {a, b};
	int ntok[] = {2, 1};
	struct link_match m[2] = {{.person_id = 7}, {.person_id = 3}};
	memcpy(m[0].token, a[0].hash, TOKEN_BYTES);
	memcpy(m[1].token, a[1].hash, TOKEN_BYTES);
	struct linkage l;
	linkage_run(&l, 2, toks, ntok, m, 2);
	assert_int_equal(l.n_comp, 1);
	assert_int_equal(l.comp_pid[0], 3);
	assert_int_equal(l.n_merges, 1);
	assert_int_equal(l.merges[0].from, 7);
	assert_int_equal(l.merges[0].into, 3);
	assert_int_equal(l.n_new_tokens, 0);
	linkage_free(&l);
}

static void empty_chunk(void **state)
{
	(void)state;
	struct linkage l;
	linkage_run(&l, 0, NULL, NULL, NULL, 0);
	assert_int_equal(l.n_comp, 0);
	linkage_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(shared_tokens_link_transitively),
	    cmocka_unit_test(existing_person_is_reused),
	    cmocka_unit_test(two_persons_merge_into_the_lower),
	    cmocka_unit_test(empty_chunk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
