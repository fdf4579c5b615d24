/* The noise of a cell (see noise.h). */
#include "server/noise.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "stats/disclosure.h"

/* The PRF message of one measure of one cell: indicator, measure, definition, and the
 * cell key (the fresh part's) or none (the fixed part's). The same message gives the
 * same noise (stickiness) and, with the cell key, the same ledger identity. The keyed
 * hashes absorb the part before the definition once per measure (noise_measure_init); a
 * cell adds its own part to a copy. */
static void prefix(crypto_generichash_state *st, const uint8_t *key, size_t outlen,
		   const char *version, const struct indicator *ind, char measure)
{
	char m[256];
	int n =
	    snprintf(m, sizeof m, "wiqaya-cell-%s%c%s%c%c%c", version, 0, ind->id, 0, measure, 0);
	if (n < 0 || (size_t)n >= sizeof m)
		abort(); /* an indicator id of 230 bytes or more; config/indicators.json's are short
			  */
	crypto_generichash_init(st, key, 32, outlen);
	crypto_generichash_update(st, (const uint8_t *)m, (unsigned long long)n);
}

void noise_measure_init(struct noise_measure *nm, const struct wq_config *cfg,
			const struct keyring *keys, const struct indicator *ind, char measure)
{
	nm->fixed_scale = cfg->fixed_noise_scale;
	nm->fresh_scale = cfg->noise_scale;
	prefix(&nm->fixed, keys->noise, 8, "fixed-v1", ind, measure);
	prefix(&nm->fresh, keys->noise, 8, "v1", ind, measure);
	prefix(&nm->identity, keys->ledger, 16, "v1", ind, measure);
}

long noise_cell(const struct noise_measure *nm, const char *definition, uint32_t ck,
		uint8_t identity[16])
{
	unsigned long long len = strlen(definition) + 1; /* with its NUL */
	uint8_t k[4] = {(uint8_t)(ck >> 24), (uint8_t)(ck >> 16), (uint8_t)(ck >> 8), (uint8_t)ck};
	uint8_t h[8];
	crypto_generichash_state st;
	long noise = 0;
	if (nm->fixed_scale > 0) {
		st = nm->fixed;
		crypto_generichash_update(&st, (const uint8_t *)definition, len);
		crypto_generichash_final(&st, h, sizeof h);
		noise = dl_draw(dl_uniform_of(h), nm->fixed_scale);
	}
	st = nm->fresh;
	crypto_generichash_update(&st, (const uint8_t *)definition, len);
	crypto_generichash_update(&st, k, sizeof k);
	crypto_generichash_final(&st, h, sizeof h);
	noise += dl_draw(dl_uniform_of(h), nm->fresh_scale);
	st = nm->identity;
	crypto_generichash_update(&st, (const uint8_t *)definition, len);
	crypto_generichash_update(&st, k, sizeof k);
	crypto_generichash_final(&st, identity, 16);
	return noise;
}

long noise_of(const struct wq_config *cfg, const struct keyring *keys, const struct indicator *ind,
	      char measure, const char *definition, uint32_t ck, uint8_t identity[16])
{
	struct noise_measure nm;
	noise_measure_init(&nm, cfg, keys, ind, measure);
	return noise_cell(&nm, definition, ck, identity);
}

double noise_variance(const struct wq_config *cfg)
{
	return dl_variance(cfg->noise_scale) +
	       (cfg->fixed_noise_scale > 0 ? dl_variance(cfg->fixed_noise_scale) : 0);
}

int noise_rules_check(PGconn *conn, const struct wq_config *cfg, const struct keyring *keys,
		      struct wq_error *e)
{
	static const char label[] = "wiqaya-noise-key-id";
	uint8_t id[16];
	char hex[33], scale[32], fixed[32];
	crypto_generichash(id, sizeof id, (const uint8_t *)label, sizeof label - 1, keys->noise,
			   32);
	sodium_bin2hex(hex, sizeof hex, id, sizeof id);
	snprintf(scale, sizeof scale, "%.17g", cfg->noise_scale);
	snprintf(fixed, sizeof fixed, "%.17g", cfg->fixed_noise_scale);
	const char *params[] = {hex, scale, fixed};
	if (db_run(conn, e,
		   "INSERT INTO auth.noise_rules (key_id, noise_scale, fixed_noise_scale) "
		   "VALUES (decode($1, 'hex'), $2::float8, $3::float8) ON CONFLICT (key_id) DO "
		   "NOTHING",
		   3, params) < 0)
		return -1;
	PGresult *r = db_exec(conn, e,
			      "SELECT noise_scale, fixed_noise_scale FROM auth.noise_rules "
			      "WHERE key_id = decode($1, 'hex')",
			      1, params);
	if (!r)
		return -1;
	double was = PQntuples(r) ? atof(PQgetvalue(r, 0, 0)) : cfg->noise_scale,
	       was_fixed = PQntuples(r) ? atof(PQgetvalue(r, 0, 1)) : cfg->fixed_noise_scale;
	PQclear(r);
	if (was == cfg->noise_scale && was_fixed == cfg->fixed_noise_scale)
		return 0;
	err_set(e, "S5007",
		"the noise key has published under noise_scale %g and fixed_noise_scale %g", was,
		was_fixed);
	err_detail(e, "A cell's noise is one draw of the key, scaled: the same cell published "
		      "under two scales gives its true count away.");
	err_hint(e, "Set [disclosure] noise_scale and fixed_noise_scale back, or make a new noise "
		    "key (docs/privacy.md, \"Changing the noise\"); if nothing was ever published, "
		    "an admin may delete the key's row of auth.noise_rules.");
	return -1;
}
