/* The noise of a cell (see noise.h). */
#include "server/noise.h"

#include <sodium.h>

#include "common/strbuf.h"
#include "stats/disclosure.h"

/* The PRF message of one measure of one cell: indicator, measure, definition, and the
 * cell key (the fresh part's) or none (the fixed part's). The same message gives the
 * same noise (stickiness) and, with the cell key, the same ledger identity. */
static void cell_message(struct strbuf *m, const struct indicator *ind, char measure,
			 const char *definition, const uint32_t *ck)
{
	sb_reset(m);
	sb_printf(m, "wiqaya-cell-%s%c%s%c%c%c%s%c", ck ? "v1" : "fixed-v1", 0, ind->id, 0, measure,
		  0, definition, 0);
	if (!ck)
		return;
	uint8_t k[4] = {(uint8_t)(*ck >> 24), (uint8_t)(*ck >> 16), (uint8_t)(*ck >> 8),
			(uint8_t)*ck};
	for (int i = 0; i < 4; i++)
		sb_putc(m, (char)k[i]);
}

long noise_of(const struct wq_config *cfg, const struct keyring *keys, const struct indicator *ind,
	      char measure, const char *definition, uint32_t ck, uint8_t identity[16])
{
	struct strbuf m;
	long noise = 0;
	sb_init(&m);
	if (cfg->fixed_noise_scale > 0) {
		cell_message(&m, ind, measure, definition, NULL);
		noise = dl_draw(dl_uniform(keys->noise, m.data, m.len), cfg->fixed_noise_scale);
	}
	cell_message(&m, ind, measure, definition, &ck);
	noise += dl_draw(dl_uniform(keys->noise, m.data, m.len), cfg->noise_scale);
	crypto_generichash(identity, 16, (const uint8_t *)m.data, m.len, keys->ledger, 32);
	sb_free(&m);
	return noise;
}

double noise_variance(const struct wq_config *cfg)
{
	return dl_variance(cfg->noise_scale) +
	       (cfg->fixed_noise_scale > 0 ? dl_variance(cfg->fixed_noise_scale) : 0);
}
