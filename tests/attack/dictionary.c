/* Dictionary attack on stored pseudonyms (pseudonymisation.md, "Tests that must exist").
 * Every candidate formed from the data's own name lists (every given and family name that
 * occurs in it), each sex, and the birth dates that occur, is hashed into a demographic
 * token three ways: without a key (plain BLAKE2b, as an attacker without the key would),
 * with a wrong key, and with the right key (the positive control, which shows the test
 * can fail). Prints how many stored tokens each way matches.
 *   attack_dictionary KEYFILE VERSION LISTS < stored tokens (hex, one per line)
 * LISTS holds lines "G<TAB>given name", "F<TAB>family name", "D<TAB>YYYY-MM-DD". */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/xalloc.h"
#include "etl/pseudonym/keys.h"
#include "etl/pseudonym/normalise.h"
#include "etl/pseudonym/pseudonym.h"

static uint8_t (*stored)[TOKEN_BYTES];
static size_t nstored;

static int cmp(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_BYTES);
}

static int is_stored(const uint8_t *t)
{
	return bsearch(t, stored, nstored, TOKEN_BYTES, cmp) != NULL;
}

struct names {
	char **v;
	size_t n, cap;
};

static void add(struct names *ns, const char *name)
{
	char out[512];
	struct wq_error e;
	if (!name || norm_name(name, strlen(name), out, sizeof out, &e) <= 0)
		return;
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], out) == 0)
			return;
	xgrow((void **)&ns->v, &ns->cap, ns->n + 1, sizeof(char *));
	ns->v[ns->n++] = xstrdup(out);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: attack_dictionary KEYFILE VERSION DATES < tokens\n");
		return 2;
	}
	struct keys right, wrong;
	struct wq_error e;
	int version = atoi(argv[2]);
	if (keys_load(&right, argv[1], &e) < 0) {
		err_print(&e, stderr);
		return 2;
	}
	uint8_t random_key[KEY_BYTES];
	randombytes_buf(random_key, sizeof random_key);
	keys_from_bytes(&wrong, random_key);

	char line[256];
	size_t cap = 0;
	while (fgets(line, sizeof line, stdin)) {
		size_t bin;
		xgrow((void **)&stored, &cap, nstored + 1, TOKEN_BYTES);
		const char *hex = strncmp(line, "\\x", 2) == 0 ? line + 2 : line;
		if (sodium_hex2bin(stored[nstored], TOKEN_BYTES, hex, strlen(hex), "\n", &bin,
				   NULL) == 0 &&
		    bin == TOKEN_BYTES)
			nstored++;
	}
	qsort(stored, nstored, TOKEN_BYTES, cmp);

	struct names dates = {0}, given = {0}, family = {0};
	FILE *lf = fopen(argv[3], "r");
	if (!lf)
		return 2;
	while (fgets(line, sizeof line, lf)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'G' && line[1] == '\t')
			add(&given, line + 2);
		else if (line[0] == 'F' && line[1] == '\t')
			add(&family, line + 2);
		else if (line[0] == 'D' && line[1] == '\t' && strlen(line + 2) == 10) {
			xgrow((void **)&dates.v, &dates.cap, dates.n + 1, sizeof(char *));
			dates.v[dates.n++] = xstrdup(line + 2);
		}
	}
	fclose(lf);

	long candidates = 0, m_unkeyed = 0, m_wrong = 0, m_right = 0;
	struct strbuf enc;
	sb_init(&enc);
	for (int f = 0; f < 2; f++)
		for (size_t gi = 0; gi < given.n; gi++)
			for (size_t fi = 0; fi < family.n; fi++)
				for (size_t di = 0; di < dates.n; di++) {
					const char *fields[] = {dates.v[di], family.v[fi],
								given.v[gi], f ? "F" : "M"};
					uint8_t t1[TOKEN_BYTES], t2[TOKEN_BYTES];
					sb_reset(&enc);
					pseudo_encode(&enc, "demo", fields, 4);
					candidates++;
					/* Without a key: the hash of the encoding, and of that
					 * hash. */
					crypto_generichash(t1, TOKEN_BYTES, (uint8_t *)enc.data,
							   enc.len, NULL, 0);
					crypto_generichash(t2, TOKEN_BYTES, t1, TOKEN_BYTES, NULL,
							   0);
					m_unkeyed += is_stored(t1) + is_stored(t2);
					struct keys *ks[] = {&wrong, &right};
					for (int k = 0; k < 2; k++)
						for (int purpose = KEY_LINK; purpose <= KEY_CHILD;
						     purpose += KEY_CHILD - KEY_LINK) {
							crypto_generichash(
							    t1, TOKEN_BYTES, (uint8_t *)enc.data,
							    enc.len, ks[k]->sub[purpose]->bytes,
							    KEY_BYTES);
							pseudo_tier2(ks[k], version, t1, t2);
							if (is_stored(t2))
								*(k ? &m_right : &m_wrong) += 1;
						}
				}
	printf("{\"stored\": %zu, \"candidates\": %ld, \"unkeyed\": %ld, \"wrong_key\": %ld, "
	       "\"right_key\": %ld}\n",
	       nstored, candidates, m_unkeyed, m_wrong, m_right);
	sb_free(&enc);
	struct names *all[] = {&dates, &given, &family};
	for (int i = 0; i < 3; i++) {
		for (size_t j = 0; j < all[i]->n; j++)
			free(all[i]->v[j]);
		free(all[i]->v);
	}
	free(stored);
	keys_free(&right);
	keys_free(&wrong);
	return 0;
}
