/* The noise of a cell (server/noise.c) is the PRF of its documented message
 * (docs/privacy.md, "How one cell is protected"): "wiqaya-cell-" and the function's tag,
 * the indicator, the measure, the definition and the cell key (the fresh part), the same
 * with "fixed-" before the tag and without the cell key (the fixed part), each field ended
 * by a NUL; the ledger identity is the fresh message's hash under the ledger's key.
 * Function 1 is keyed BLAKE2b under the noise and ledger subkeys; function 2 SipHash-2-4
 * (the identity SipHash-2-4 of 128 bits) under subkeys of those, context "WQNOISE2", ids
 * 1 (fixed), 2 (fresh), 3 (identity); function 3 is 2 with the tags "v3" and "fixed-v3",
 * and a fresh part of its own message: "wiqaya-cell-v3-fresh", the fact and the measure
 * (each ended by a NUL) and the cell key, so that two definitions of the same children
 * share it (an empty cell's, cell key 0, as under function 2). Under every function the
 * cell's epoch (server/epoch.h), when not 0, follows the cell key in the fresh message and
 * the identity's, 8 bytes big-endian; an epoch of 0 adds nothing.
 * Computed here in one piece from the documentation and held to the server's, which
 * prepares the part before the definition once per measure: a change of either changes
 * every published number. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/config.h"
#include "server/indicator.h"
#include "server/keyring.h"
#include "server/model.h"
#include "server/noise.h"
#include "stats/disclosure.h"

static const struct fact victim_year = {"victim_year", "analytics.victim_year", NULL, NULL};

/* The message, as documented. */
static size_t put_epoch(char *m, uint64_t epoch)
{
	for (int i = 0; epoch && i < 8; i++)
		m[i] = (char)(epoch >> (56 - 8 * i));
	return epoch ? 8 : 0;
}

static size_t message(char *m, const char *version, const char *ind, char measure,
		      const char *definition, const uint32_t *ck, uint64_t epoch)
{
	size_t n = (size_t)sprintf(m, "wiqaya-cell-%s", version) + 1;
	n += (size_t)sprintf(m + n, "%s", ind) + 1;
	m[n++] = measure;
	m[n++] = 0;
	n += (size_t)sprintf(m + n, "%s", definition) + 1;
	if (ck) {
		m[n++] = (char)(*ck >> 24);
		m[n++] = (char)(*ck >> 16);
		m[n++] = (char)(*ck >> 8);
		m[n++] = (char)*ck;
		n += put_epoch(m + n, epoch);
	}
	return n;
}

/* Function 3's fresh message, as documented: the tag, the fact and the measure, then the
 * cell key. */
static size_t children_message(char *m, const char *fact, char measure, uint32_t ck, uint64_t epoch)
{
	size_t n = (size_t)sprintf(m, "wiqaya-cell-v3-fresh") + 1;
	n += (size_t)sprintf(m + n, "%s", fact) + 1;
	m[n++] = measure;
	m[n++] = 0;
	m[n++] = (char)(ck >> 24);
	m[n++] = (char)(ck >> 16);
	m[n++] = (char)(ck >> 8);
	m[n++] = (char)ck;
	return n + put_epoch(m + n, epoch);
}

/* The documented PRF of function f: a uniform of 8 bytes, or the identity of 16. */
static void prf(int f, const struct keyring *keys, int part, const char *msg, size_t n,
		uint8_t *out, size_t outlen)
{
	const uint8_t *key = part == 3 ? keys->ledger : keys->noise;
	if (f == NOISE_PRF_BLAKE2B) {
		crypto_generichash(out, outlen, (const uint8_t *)msg, n, key, 32);
		return;
	}
	static const char context[8] = {'W', 'Q', 'N', 'O', 'I', 'S', 'E', '2'};
	uint8_t sub[16];
	crypto_kdf_derive_from_key(sub, 16, (uint64_t)part, context, key);
	if (outlen == 16)
		crypto_shorthash_siphashx24(out, (const uint8_t *)msg, n, sub);
	else
		crypto_shorthash_siphash24(out, (const uint8_t *)msg, n, sub);
}

static double uniform(int f, const struct keyring *keys, int part, const char *msg, size_t n)
{
	uint8_t h[8];
	prf(f, keys, part, msg, n, h, sizeof h);
	return dl_uniform_of(h);
}

/* The default configuration and the keys of a fixed server key. */
static void fixture(struct wq_config *cfg, struct keyring *keys)
{
	uint8_t server[32], token[32];
	config_defaults(cfg);
	for (int i = 0; i < 32; i++)
		server[i] = (uint8_t)(i * 7 + 1), token[i] = (uint8_t)(i + 100);
	keyring_from_bytes(keys, server, token);
}

static void noise_is(int f)
{
	struct wq_config cfg;
	struct keyring keys;
	fixture(&cfg, &keys);
	keys.noise_prf = f;
	char id[] = "victims";
	struct indicator ind = {.id = id, .fact = &victim_year};
	char long_def[3001]; /* longer than the server's message buffer on the stack */
	memset(long_def, 'a', sizeof long_def - 1);
	long_def[sizeof long_def - 1] = 0;
	memcpy(long_def, "detection=", 10);
	const char *defs[] = {"year=2015", "region=DC-01&sex=female&year=2015-2020",
			      "offence~grooming,sextortion&year=none", long_def};
	const char *tags[] = {"v1", "v2", "v3"},
		   *fixed_tags[] = {"fixed-v1", "fixed-v2", "fixed-v3"};
	const char *tag = tags[f - 1], *fixed_tag = fixed_tags[f - 1];
	const char measures[] = {'n', 'd', 'x'};
	const uint64_t epochs[] = {0, 7, 0x0102030405060708u};
	for (size_t d = 0; d < 4; d++)
		for (size_t m = 0; m < 3; m++)
			for (uint32_t ck = 0; ck < 4000000000u; ck += 987654321u)
				for (size_t e = 0; e < 3; e++) {
					char msg[3200];
					uint8_t want_id[16], got_id[16];
					size_t n = message(msg, fixed_tag, ind.id, measures[m],
							   defs[d], NULL, 0);
					long want = dl_draw(uniform(f, &keys, 1, msg, n),
							    cfg.fixed_noise_scale);
					n = message(msg, tag, ind.id, measures[m], defs[d], &ck,
						    epochs[e]);
					prf(f, &keys, 3, msg, n, want_id, 16);
					if (f == NOISE_PRF_BY_CHILDREN && ck != 0)
						n = children_message(msg, victim_year.name,
								     measures[m], ck, epochs[e]);
					want +=
					    dl_draw(uniform(f, &keys, 2, msg, n), cfg.noise_scale);
					long got = noise_of(&cfg, &keys, &ind, measures[m], defs[d],
							    ck, epochs[e], got_id);
					assert_int_equal(got, want);
					assert_memory_equal(got_id, want_id, 16);
				}
	keyring_free(&keys);
	config_free(&cfg);
}

static void function_1_is_the_documented_prf(void **state)
{
	(void)state;
	noise_is(NOISE_PRF_BLAKE2B);
}

static void function_2_is_the_documented_prf(void **state)
{
	(void)state;
	noise_is(NOISE_PRF_SIPHASH);
}

static void function_3_is_the_documented_prf(void **state)
{
	(void)state;
	noise_is(NOISE_PRF_BY_CHILDREN);
}

/* Over cell keys 1..cells: how many draw the same noise for measure ma of definition a as
 * for mb of b. */
static int equal_draws(const struct wq_config *cfg, const struct keyring *keys,
		       const struct indicator *ind, char ma, const char *a, char mb, const char *b,
		       int cells)
{
	int same = 0;
	for (uint32_t ck = 1; ck <= (uint32_t)cells; ck++) {
		uint8_t ia[16], ib[16];
		same += noise_of(cfg, keys, ind, ma, a, ck, 0, ia) ==
			noise_of(cfg, keys, ind, mb, b, ck, 0, ib);
	}
	return same;
}

/* Under function 3 two definitions of the same children (a filter that excludes nobody)
 * share the fresh part and differ in the fixed part and the identity (each is charged);
 * under 2 they share nothing, and under 3 neither do empty cells. Without the fixed part
 * the two would be equal. */
static void function_3_keys_the_fresh_part_by_the_children(void **state)
{
	(void)state;
	struct wq_config cfg;
	struct keyring keys;
	fixture(&cfg, &keys);
	char id[] = "victims";
	struct indicator ind = {.id = id, .fact = &victim_year};
	const char *a = "region=DC-01&year=2020",
		   *b = "agency=DC-POL-01;DC-POL-03&region=DC-01&year=2020";
	int same_fresh = 0, same_total = 0, cells = 2000;
	for (uint32_t ck = 1; ck <= (uint32_t)cells; ck++) {
		uint8_t ia[16], ib[16];
		keys.noise_prf = NOISE_PRF_BY_CHILDREN;
		double fixed = cfg.fixed_noise_scale;
		cfg.fixed_noise_scale = 0; /* the fresh parts alone */
		long fa = noise_of(&cfg, &keys, &ind, 'n', a, ck, 0, ia);
		long fb = noise_of(&cfg, &keys, &ind, 'n', b, ck, 0, ib);
		cfg.fixed_noise_scale = fixed;
		same_fresh += fa == fb;
		assert_memory_not_equal(ia, ib, 16);
		same_total += noise_of(&cfg, &keys, &ind, 'n', a, ck, 0, ia) ==
			      noise_of(&cfg, &keys, &ind, 'n', b, ck, 0, ib);
	}
	assert_int_equal(same_fresh, cells);
	assert_true(same_total < cells / 4); /* the fixed parts differ: equal ~13% */
	/* A proportion's numerator and denominator over the same children: each its own. */
	cfg.fixed_noise_scale = 0;
	assert_true(equal_draws(&cfg, &keys, &ind, 'n', a, 'd', a, cells) < cells / 4);
	keys.noise_prf = NOISE_PRF_SIPHASH;
	assert_true(equal_draws(&cfg, &keys, &ind, 'n', a, 'n', b, cells) < cells / 4);
	/* Empty cells (cell key 0) share nothing but what two independent draws would: the
	 * empty set is in thousands of cells of a release. (The fresh parts alone.) */
	keys.noise_prf = NOISE_PRF_BY_CHILDREN;
	cfg.fixed_noise_scale = 0;
	uint8_t id0[16];
	long first = noise_of(&cfg, &keys, &ind, 'n', "year=1000", 0, 0, id0);
	same_fresh = 0;
	for (int i = 1; i <= cells; i++) {
		char def[32];
		snprintf(def, sizeof def, "year=%d", 1000 + i);
		same_fresh += noise_of(&cfg, &keys, &ind, 'n', def, 0, 0, id0) == first;
	}
	assert_true(same_fresh < cells / 4);
	keyring_free(&keys);
	config_free(&cfg);
}

/* A thread's memo of its last cell (noise_memo) changes nothing: a table's cells in
 * layout order, whose definitions share all but their ends, then cells that share
 * nothing, one longer than the blocks a memo keeps, each measure with a memo of its own,
 * give every cell the noise and identity noise_of gives it alone. */
static void a_memo_changes_nothing(void **state)
{
	(void)state;
	struct wq_config cfg;
	struct keyring keys;
	fixture(&cfg, &keys);
	char id[] = "victims";
	struct indicator ind = {.id = id, .fact = &victim_year};
	char long_def[SIP_PREFIX_MAX + 100];
	memset(long_def, 'b', sizeof long_def - 1);
	long_def[sizeof long_def - 1] = 0;
	memcpy(long_def, "detection~", 10);
	for (int f = NOISE_PRF_BLAKE2B; f <= NOISE_PRF_BY_CHILDREN; f++) {
		keys.noise_prf = f;
		struct noise_measure nm[2];
		struct noise_memo *memo = malloc(2 * sizeof *memo);
		assert_non_null(memo);
		for (int m = 0; m < 2; m++) {
			noise_measure_init(&nm[m], &cfg, &keys, &ind, "nd"[m]);
			noise_memo_init(&memo[m], &nm[m]);
		}
		int cells = 0;
		for (int age = 0; age < 4; age++)
			for (int region = 1; region <= 13; region++)
				for (int year = 2015; year <= 2026; year++) {
					char def[256];
					const char *d = def;
					snprintf(def, sizeof def,
						 "age_band=%d&detection~hotline,police,school&"
						 "region=DC-%02d&sex=female&year=%d",
						 age, region, year);
					if (year == 2026) /* now and then a cell unlike the last */
						d = region % 2 ? long_def : "year=2015";
					for (int m = 0; m < 2; m++) {
						uint32_t ck =
						    (uint32_t)cells * 2654435761u + (uint32_t)m;
						uint8_t want_id[16], got_id[16];
						long want = noise_of(&cfg, &keys, &ind, "nd"[m], d,
								     ck, 0, want_id);
						long got =
						    noise_cell(&nm[m], &memo[m], d, ck, 0, got_id);
						assert_int_equal(got, want);
						assert_memory_equal(got_id, want_id, 16);
					}
					cells++;
				}
		sodium_memzero(memo, 2 * sizeof *memo);
		free(memo);
	}
	keyring_free(&keys);
	config_free(&cfg);
}

/* Known answers, from the code that first published with each function: a change of
 * the key derivation, of the message or of the draw that the server and the documented
 * recomputation above made together would still change these. */
static void known_answers(void **state)
{
	(void)state;
	struct wq_config cfg;
	struct keyring keys;
	fixture(&cfg, &keys);
	char id[] = "victims";
	struct indicator ind = {.id = id, .fact = &victim_year};
	static const struct {
		long noise;
		const char *identity;
	} want[3][5] = {{{-2, "7aef1b42a8adcb66f1644d10c767f26e"},
			 {1, "f867d9f14d5a40a060696ee9b7eb53fd"},
			 {-1, "0bbc6e8ce641bb57b7f51e4536404f29"},
			 {-6, "564ff65026a3b6ad54c3738b448ad8a1"},
			 {0, "78497e4a5e2cec5fbd14b87e397676ab"}},
			{{1, "5425a7340fb115731714739d18fc8790"},
			 {0, "62b0759df2ec86debd5aac5c92274c0b"},
			 {5, "f6d8e6b345959c6b40ca5396ac15edf5"},
			 {3, "ed11d493a04c702ea5441d0779cf4eaa"},
			 {4, "465d0bca325f5707ba581728d15ac871"}},
			{{6, "d3974b9a2266b0f41f15950b7832be6f"},
			 {4, "a900200ec0d2881a1fbc221f3688737a"},
			 {1, "f94c299da82e0a3e5aba355504c3eb7d"},
			 {8, "82298e8e56337263001844ac7e5d6c93"},
			 {5, "b47c1d033a05f5baad1ff33744484e15"}}};
	for (int f = NOISE_PRF_BLAKE2B; f <= NOISE_PRF_BY_CHILDREN; f++) {
		keys.noise_prf = f;
		for (uint32_t i = 0; i < 5; i++) {
			uint8_t ident[16];
			char hex[33];
			long n = noise_of(&cfg, &keys, &ind, 'n', "sex=female&year=2020",
					  i * 1000003u, 0, ident);
			sodium_bin2hex(hex, sizeof hex, ident, sizeof ident);
			assert_int_equal(n, want[f - 1][i].noise);
			assert_string_equal(hex, want[f - 1][i].identity);
		}
	}
	keyring_free(&keys);
	config_free(&cfg);
}

/* The two functions draw independently: a cell's noise under one says nothing of the
 * other's (over 20,000 cells, their draws agree about as often as two independent draws'
 * would: P(equal) = sum p_k^2, 0.11 at b = 2 for the fresh part alone). And the fixed part
 * is a function of the definition alone under both. */
static void the_functions_draw_apart(void **state)
{
	(void)state;
	struct wq_config cfg;
	struct keyring a, b;
	uint8_t server[32], token[32];
	config_defaults(&cfg);
	cfg.fixed_noise_scale = 0;
	for (int i = 0; i < 32; i++)
		server[i] = (uint8_t)(i * 3 + 5), token[i] = (uint8_t)i;
	keyring_from_bytes(&a, server, token);
	keyring_from_bytes(&b, server, token);
	a.noise_prf = NOISE_PRF_BLAKE2B;
	b.noise_prf = NOISE_PRF_SIPHASH;
	char id[] = "victims";
	struct indicator ind = {.id = id};
	int equal = 0, cells = 20000;
	double p = exp(-1.0 / cfg.noise_scale), expect = 0;
	for (long k = -60; k <= 60; k++) {
		double pk = (1 - p) / (1 + p) * pow(p, labs(k));
		expect += pk * pk;
	}
	for (int i = 0; i < cells; i++) {
		char def[32];
		uint8_t ia[16], ib[16];
		snprintf(def, sizeof def, "year=%d", 1000 + i);
		long na = noise_of(&cfg, &a, &ind, 'n', def, 7, 0, ia);
		long nb = noise_of(&cfg, &b, &ind, 'n', def, 7, 0, ib);
		equal += na == nb;
		assert_memory_not_equal(ia, ib, 16);
	}
	double share = (double)equal / cells, se = sqrt(expect * (1 - expect) / cells);
	assert_true(fabs(share - expect) < 5 * se);
	keyring_free(&a);
	keyring_free(&b);
	config_free(&cfg);
}

/* The floor's raise's message, as documented: "wiqaya-cell-floor-v1", the fact, the count
 * ("not " before the predicate for the rows a measure excludes) and the definition, each
 * ended by a NUL. */
static size_t raise_message(char *m, const char *fact, const char *count, const char *definition)
{
	size_t n = (size_t)sprintf(m, "wiqaya-cell-floor-v1") + 1;
	n += (size_t)sprintf(m + n, "%s", fact) + 1;
	n += (size_t)sprintf(m + n, "%s", count) + 1;
	n += (size_t)sprintf(m + n, "%s", definition) + 1;
	return n;
}

/* An indicator of the model's fact and predicates (numerator, denominator or NULL). */
static struct indicator model_indicator(char *id, const char *fact, enum ind_type type,
					const char *num, const char *den)
{
	const struct fact *f = model_fact(fact);
	return (struct indicator){.id = id,
				  .type = type,
				  .fact = f,
				  .numerator = model_predicate(f, num),
				  .denominator = den ? model_predicate(f, den) : NULL};
}

/* The floor's raise is the documented PRF under every function: SipHash-2-4 under the
 * noise key's subkey 4 (context "WQNOISE2") of its message, read little-endian, modulo
 * floor_spread + 1; 0 with a spread of 0. The count is the measure's predicate (the
 * numerator's, the denominator's, "not " and the excluded rows' predicate), named as the
 * predicate it equals where the definition leaves out the item it excludes: children of
 * a child's age band (or of several) are all victims of it; of no age band, or of 18+,
 * they are not. A definition longer than the server's stack buffer too. */
static void the_floor_raise_is_the_documented_prf(void **state)
{
	(void)state;
	struct wq_config cfg;
	struct keyring keys;
	fixture(&cfg, &keys);
	char rate_id[] = "victim_rate", share_id[] = "revictimisation_12m";
	struct indicator rate =
	    model_indicator(rate_id, "victim_year", IND_RATE, "child_age", "population");
	struct indicator share = model_indicator(share_id, "victim_year", IND_PROPORTION,
						 "revictimised", "revictimisation_known");
	static char long_def[3001];
	memset(long_def, 'a', sizeof long_def - 1);
	memcpy(long_def, "detection=", 10);
	struct {
		const struct indicator *ind;
		char measure;
		const char *definition, *count;
	} cases[] = {
	    {&rate, 'n', "age_band=5-9&year=2015", "all"},
	    {&rate, 'n', "age_band=0-4,10-12&region=DC-01&year=2015-2020", "all"},
	    {&rate, 'n', "age_band=18+&year=2015", "child_age"},
	    {&rate, 'n', "age_band=16-17,18+&year=2015", "child_age"},
	    {&rate, 'n', "region=DC-01&year=2015", "child_age"},
	    {&rate, 'x', "region=DC-01&year=2015", "not child_age"},
	    {&rate, 'x', "age_band=5-9&year=2015", "not all"},
	    {&rate, 'n', long_def, "child_age"},
	    {&share, 'n', "region=DC-01&year=2015", "revictimised"},
	    {&share, 'd', "region=DC-01&year=2015", "revictimisation_known"},
	    {&share, 'x', "age_band=5-9&year=2015", "not revictimisation_known"},
	};
	for (int f = NOISE_PRF_BLAKE2B; f <= NOISE_PRF_BY_CHILDREN; f++)
		for (int spread = 0; spread <= 9; spread += 3)
			for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
				static char msg[3200];
				uint8_t h[8];
				size_t n = raise_message(msg, "victim_year", cases[c].count,
							 cases[c].definition);
				prf(NOISE_PRF_SIPHASH, &keys, 4, msg, n, h, sizeof h);
				uint64_t u = 0;
				for (int i = 7; i >= 0; i--)
					u = u << 8 | h[i];
				keys.noise_prf = f;
				cfg.floor_spread = spread;
				assert_int_equal(noise_raise_of(&cfg, &keys, cases[c].ind,
								cases[c].measure,
								cases[c].definition),
						 (int)(u % (uint64_t)(spread + 1)));
			}
	keyring_free(&keys);
	config_free(&cfg);
}

/* One count, one raise: over 20,000 definitions, the raise is uniform over
 * 0..floor_spread (a chi-square of 4 degrees of freedom under 18.5, p = 0.001); every
 * indicator counting the same rows gets the same one (victims and victim_rate of a child's
 * age band; cases and the denominator of the conviction rate); different counts draw
 * apart, equal about a fifth of the time (victims and victim_rate with no age band, which
 * differ by the 18+ band; a share's numerator and denominator, whose floors' bits would
 * otherwise tell their difference). */
static void the_floor_raise_is_one_a_count(void **state)
{
	(void)state;
	struct wq_config cfg;
	struct keyring keys;
	fixture(&cfg, &keys);
	keys.noise_prf = NOISE_PRF_BY_CHILDREN;
	assert_int_equal(cfg.floor_spread, 4); /* the default */
	char victims_id[] = "victims", rate_id[] = "victim_rate", cases_id[] = "cases",
	     conv_id[] = "conviction_rate", share_id[] = "revictimisation_12m";
	struct indicator victims =
			     model_indicator(victims_id, "victim_year", IND_COUNT, "all", NULL),
			 rate = model_indicator(rate_id, "victim_year", IND_RATE, "child_age",
						"population"),
			 cases = model_indicator(cases_id, "case", IND_COUNT, "all", NULL),
			 conv =
			     model_indicator(conv_id, "case", IND_PROPORTION, "convicted", "all"),
			 share = model_indicator(share_id, "victim_year", IND_PROPORTION,
						 "revictimised", "revictimisation_known");
	int count[5] = {0}, cells = 20000, banded = 0, cased = 0, unbanded = 0, parts = 0;
	for (int i = 0; i < cells; i++) {
		char def[64], band[64];
		snprintf(def, sizeof def, "region=DC-%02d&year=%d", i % 13 + 1, 1000 + i / 13);
		snprintf(band, sizeof band, "age_band=5-9&year=%d", 1000 + i);
		int r = noise_raise_of(&cfg, &keys, &victims, 'n', def);
		assert_in_range(r, 0, 4);
		count[r]++;
		banded += noise_raise_of(&cfg, &keys, &victims, 'n', band) ==
			  noise_raise_of(&cfg, &keys, &rate, 'n', band);
		cased += noise_raise_of(&cfg, &keys, &cases, 'n', def) ==
			 noise_raise_of(&cfg, &keys, &conv, 'd', def);
		unbanded += r == noise_raise_of(&cfg, &keys, &rate, 'n', def);
		parts += noise_raise_of(&cfg, &keys, &share, 'n', def) ==
			 noise_raise_of(&cfg, &keys, &share, 'd', def);
	}
	double chi = 0, e = cells / 5.0;
	for (int k = 0; k < 5; k++)
		chi += (count[k] - e) * (count[k] - e) / e;
	assert_true(chi < 18.5);
	assert_int_equal(banded, cells);
	assert_int_equal(cased, cells);
	double se = sqrt(0.2 * 0.8 / cells);
	assert_true(fabs((double)unbanded / cells - 0.2) < 5 * se);
	assert_true(fabs((double)parts / cells - 0.2) < 5 * se);
	keyring_free(&keys);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(function_1_is_the_documented_prf),
	    cmocka_unit_test(function_2_is_the_documented_prf),
	    cmocka_unit_test(function_3_is_the_documented_prf),
	    cmocka_unit_test(function_3_keys_the_fresh_part_by_the_children),
	    cmocka_unit_test(a_memo_changes_nothing),
	    cmocka_unit_test(the_functions_draw_apart),
	    cmocka_unit_test(known_answers),
	    cmocka_unit_test(the_floor_raise_is_the_documented_prf),
	    cmocka_unit_test(the_floor_raise_is_one_a_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
