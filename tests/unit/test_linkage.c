/* Person linkage by constrained union-find: shared tokens, existing persons, merges,
 * unlinkables, and the cannot-link rules (different national IDs of one country, two
 * persons of one case) and the weak token's need of a shared region. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "etl/load/linkage.h"

static struct token tok(uint8_t id, uint8_t kind)
{
	struct token t = {.kind = kind};
	memset(t.hash, 0, TOKEN_BYTES);
	t.hash[0] = id;
	if (kind == TOKEN_ID)
		memcpy(t.country, "DC", 3);
	return t;
}

/* Runs linkage over N occurrences, each in a case of its own and region 0 unless CASES
 * or REGIONS say otherwise. */
static void run(struct linkage *l, size_t n, const struct token *const *toks, const int *ntok,
		const size_t *cases, const int *regions, struct link_match *m, size_t nm,
		const struct link_id *ids, size_t nids, const struct link_case *pc, size_t npc)
{
	size_t own_case[8];
	int region0[8] = {0};
	for (size_t i = 0; i < 8; i++)
		own_case[i] = i;
	struct link_input in = {
	    n,	  toks, ntok, cases ? cases : own_case, regions ? regions : region0, m, nm, ids,
	    nids, pc,	npc,  pc != NULL || nm == 0};
	linkage_run(l, &in);
}

static void shared_tokens_link_transitively(void **state)
{
	(void)state;
	/* A-B share an ID, B-C share a demo token, D alone, E has no token. */
	struct token a[] = {tok(1, TOKEN_ID)}, b[] = {tok(1, TOKEN_ID), tok(2, TOKEN_DEMO)},
		     c[] = {tok(2, TOKEN_DEMO), tok(3, TOKEN_DEMO_PH)}, d[] = {tok(4, TOKEN_ID)};
	const struct token *toks[] = {a, b, c, d, NULL};
	int ntok[] = {1, 2, 2, 1, 0};
	struct linkage l;
	run(&l, 5, toks, ntok, NULL, NULL, NULL, 0, NULL, 0, NULL, 0);
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
	struct token a[] = {tok(1, TOKEN_ID), tok(9, TOKEN_DEMO)};
	const struct token *toks[] = {a};
	int ntok[] = {2};
	struct link_match m[] = {{.person_id = 5}};
	memcpy(m[0].token, a[0].hash, TOKEN_BYTES);
	struct linkage l;
	run(&l, 1, toks, ntok, NULL, NULL, m, 1, NULL, 0, NULL, 0);
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
	struct token a[] = {tok(1, TOKEN_ID), tok(2, TOKEN_DEMO)}, b[] = {tok(1, TOKEN_ID)};
	const struct token *toks[] = {a, b};
	int ntok[] = {2, 1};
	struct link_match m[2] = {{.person_id = 7}, {.person_id = 3}};
	memcpy(m[0].token, a[0].hash, TOKEN_BYTES);
	memcpy(m[1].token, a[1].hash, TOKEN_BYTES);
	struct linkage l;
	run(&l, 2, toks, ntok, NULL, NULL, m, 2, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 1);
	assert_int_equal(l.comp_pid[0], 3);
	assert_int_equal(l.n_merges, 1);
	assert_int_equal(l.merges[0].from, 7);
	assert_int_equal(l.merges[0].into, 3);
	assert_int_equal(l.n_new_tokens, 0);
	linkage_free(&l);
}

static void different_ids_never_link(void **state)
{
	(void)state;
	/* Twins: the same demographics, two national IDs of one country. */
	struct token a[] = {tok(1, TOKEN_ID), tok(5, TOKEN_DEMO)},
		     b[] = {tok(2, TOKEN_ID), tok(5, TOKEN_DEMO)};
	const struct token *toks[] = {a, b};
	int ntok[] = {2, 2};
	struct linkage l;
	run(&l, 2, toks, ntok, NULL, NULL, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 2);
	assert_int_equal(l.vetoed, 1);
	linkage_free(&l);

	/* IDs of two countries do not conflict: a passport and a national ID. */
	b[0].country[0] = 'X';
	run(&l, 2, toks, ntok, NULL, NULL, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 1);
	linkage_free(&l);
}

static void no_chain_joins_conflicting_ids(void **state)
{
	(void)state;
	/* A (ID 1) and C (ID 2) are different children; B, with no ID, shares A's demo token
	 * and C's demo token (a data error): B joins A, and the chain to C is refused. */
	struct token a[] = {tok(1, TOKEN_ID), tok(5, TOKEN_DEMO)}, b[] = {tok(5, TOKEN_DEMO)},
		     c[] = {tok(2, TOKEN_ID), tok(6, TOKEN_DEMO)},
		     b2[] = {tok(6, TOKEN_DEMO), tok(5, TOKEN_DEMO)};
	const struct token *toks[] = {a, c, b2, b};
	int ntok[] = {2, 2, 2, 1};
	struct linkage l;
	run(&l, 4, toks, ntok, NULL, NULL, NULL, 0, NULL, 0, NULL, 0);
	assert_int_not_equal(l.comp[0], l.comp[1]);
	assert_int_equal(l.comp[3], l.comp[0]);
	assert_true(l.vetoed >= 1);
	linkage_free(&l);

	/* The same against the warehouse: an existing person with ID 1 and a record with
	 * ID 2 that shares its demo token stay two persons, and no merge happens. */
	struct token d[] = {tok(2, TOKEN_ID), tok(5, TOKEN_DEMO)};
	const struct token *toks2[] = {d};
	int ntok2[] = {2};
	struct link_match m[] = {{.person_id = 4}};
	memcpy(m[0].token, d[1].hash, TOKEN_BYTES);
	struct link_id ids[] = {{.person_id = 4, .country = "DC"}};
	ids[0].token[0] = 1;
	run(&l, 1, toks2, ntok2, NULL, NULL, m, 1, ids, 1, NULL, 0);
	assert_int_equal(l.n_comp, 1);
	assert_int_equal(l.comp_pid[0], 0); /* a new person */
	assert_int_equal(l.n_merges, 0);
	/* Its ID token is new; the demo token stays with person 4. */
	assert_int_equal(l.n_new_tokens, 1);
	assert_int_equal(l.new_tokens[0].tok->kind, TOKEN_ID);
	linkage_free(&l);
}

static void one_case_two_persons(void **state)
{
	(void)state;
	/* Two victims of one case with the same demo token (an agency's error, or twins of
	 * the same name) stay two persons; in two cases they link. */
	struct token a[] = {tok(5, TOKEN_DEMO)}, b[] = {tok(5, TOKEN_DEMO)};
	const struct token *toks[] = {a, b};
	int ntok[] = {1, 1};
	size_t same[] = {0, 0};
	struct linkage l;
	run(&l, 2, toks, ntok, same, NULL, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 2);
	linkage_free(&l);
	run(&l, 2, toks, ntok, NULL, NULL, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 1);
	linkage_free(&l);

	/* Persons the warehouse holds in one case are kept apart by a record matching both. */
	struct token c[] = {tok(5, TOKEN_DEMO), tok(6, TOKEN_DEMO_PH)};
	const struct token *toks2[] = {c};
	int ntok2[] = {2};
	struct link_match m[] = {{.person_id = 8}, {.person_id = 9}};
	memcpy(m[0].token, c[0].hash, TOKEN_BYTES);
	memcpy(m[1].token, c[1].hash, TOKEN_BYTES);
	struct link_case pc[] = {{8, 100, 0}, {9, 100, 0}};
	run(&l, 1, toks2, ntok2, NULL, NULL, m, 2, NULL, 0, pc, 2);
	assert_int_equal(l.comp_pid[0], 8); /* the strong evidence wins */
	assert_int_equal(l.n_merges, 0);
	linkage_free(&l);
}

static void weak_token_needs_a_region(void **state)
{
	(void)state;
	/* Two spellings of one child's given name share only demo_ph: they link in one
	 * region and not across two (namesakes). */
	struct token a[] = {tok(3, TOKEN_DEMO_PH), tok(7, TOKEN_DEMO)},
		     b[] = {tok(3, TOKEN_DEMO_PH), tok(8, TOKEN_DEMO)};
	const struct token *toks[] = {a, b};
	int ntok[] = {2, 2};
	int one[] = {4, 4}, two[] = {4, 5};
	struct linkage l;
	run(&l, 2, toks, ntok, NULL, one, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 1);
	linkage_free(&l);
	run(&l, 2, toks, ntok, NULL, two, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 2);
	linkage_free(&l);
	/* A strong token links across regions (a child who moved). */
	b[1] = tok(7, TOKEN_DEMO);
	run(&l, 2, toks, ntok, NULL, two, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 1);
	linkage_free(&l);
}

static void cases_asked_only_when_needed(void **state)
{
	(void)state;
	/* A strong link to one existing person needs no cases. */
	struct token a[] = {tok(5, TOKEN_DEMO)};
	const struct token *toks[] = {a};
	int ntok[] = {1};
	struct link_match m[] = {{.person_id = 8}, {.person_id = 9}};
	memcpy(m[0].token, a[0].hash, TOKEN_BYTES);
	struct link_input in = {1, toks, ntok, NULL, NULL, m, 1, NULL, 0, NULL, 0, 0};
	struct linkage l;
	linkage_run(&l, &in);
	assert_int_equal(l.needs_cases, 0);
	assert_int_equal(l.comp_pid[0], 8);
	linkage_free(&l);
	/* A weak link to an existing person wants its regions. */
	struct token b[] = {tok(6, TOKEN_DEMO_PH)};
	const struct token *toks2[] = {b};
	memcpy(m[0].token, b[0].hash, TOKEN_BYTES);
	in.toks = toks2;
	linkage_run(&l, &in);
	assert_int_equal(l.needs_cases, 1);
	linkage_free(&l);
	/* A merge of two existing persons wants their cases (one case may name both). */
	struct token c[] = {tok(5, TOKEN_DEMO), tok(7, TOKEN_ID)};
	const struct token *toks3[] = {c};
	int ntok3[] = {2};
	memcpy(m[0].token, c[0].hash, TOKEN_BYTES);
	memcpy(m[1].token, c[1].hash, TOKEN_BYTES);
	in.toks = toks3;
	in.ntok = ntok3;
	in.n_matches = 2;
	linkage_run(&l, &in);
	assert_int_equal(l.needs_cases, 1);
	linkage_free(&l);
}

static void empty_chunk(void **state)
{
	(void)state;
	struct linkage l;
	run(&l, 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(l.n_comp, 0);
	linkage_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(shared_tokens_link_transitively),
	    cmocka_unit_test(existing_person_is_reused),
	    cmocka_unit_test(two_persons_merge_into_the_lower),
	    cmocka_unit_test(different_ids_never_link),
	    cmocka_unit_test(no_chain_joins_conflicting_ids),
	    cmocka_unit_test(one_case_two_persons),
	    cmocka_unit_test(weak_token_needs_a_region),
	    cmocka_unit_test(cases_asked_only_when_needed),
	    cmocka_unit_test(empty_chunk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
