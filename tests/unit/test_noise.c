/* The noise of a cell (server/noise.c) is the PRF of its documented message
 * (docs/privacy.md, "How one cell is protected"): "wiqaya-cell-v1", the indicator, the
 * measure, the definition and the cell key (the fresh part), "wiqaya-cell-fixed-v1" and the
 * same without the cell key (the fixed part), each field ended by a NUL; the ledger
 * identity is the fresh message's hash under the ledger's subkey. Computed here in one
 * piece and held to the server's, which hashes the part before the definition once per
 * measure: a change of either changes every published number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/config.h"
#include "server/indicator.h"
#include "server/keyring.h"
#include "server/noise.h"
#include "stats/disclosure.h"

/* The message, as documented. */
static size_t message(char *m, const char *version, const char *ind, char measure,
		      const char *definition, const uint32_t *ck)
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
	}
	return n;
}

static void the_noise_is_the_documented_prf(void **state)
{
	(void)state;
	struct wq_config cfg;
	struct keyring keys;
	uint8_t server[32], token[32];
	config_defaults(&cfg);
	for (int i = 0; i < 32; i++)
		server[i] = (uint8_t)(i * 7 + 1), token[i] = (uint8_t)(i + 100);
	keyring_from_bytes(&keys, server, token);
	char id[] = "victims";
	struct indicator ind = {.id = id};
	const char *defs[] = {"year=2015", "region=DC-01&sex=female&year=2015-2020",
			      "offence~grooming,sextortion&year=none"};
	const char measures[] = {'n', 'd', 'x'};
	for (size_t d = 0; d < 3; d++)
		for (size_t m = 0; m < 3; m++)
			for (uint32_t ck = 0; ck < 4000000000u; ck += 987654321u) {
				char msg[512];
				uint8_t want_id[16], got_id[16];
				size_t n =
				    message(msg, "fixed-v1", ind.id, measures[m], defs[d], NULL);
				long want =
				    dl_draw(dl_uniform(keys.noise, msg, n), cfg.fixed_noise_scale);
				n = message(msg, "v1", ind.id, measures[m], defs[d], &ck);
				want += dl_draw(dl_uniform(keys.noise, msg, n), cfg.noise_scale);
				crypto_generichash(want_id, 16, (const uint8_t *)msg, n,
						   keys.ledger, 32);
				long got =
				    noise_of(&cfg, &keys, &ind, measures[m], defs[d], ck, got_id);
				assert_int_equal(got, want);
				assert_memory_equal(got_id, want_id, 16);
			}
	keyring_free(&keys);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_noise_is_the_documented_prf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
