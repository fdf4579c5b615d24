/* The noise of one measure of one cell (docs/privacy.md "How one cell is protected"), in
 * two parts, each a discrete Laplace draw from a keyed PRF. The fresh part (scale
 * noise_scale) is keyed by the cell's children (its cell key; under functions 1 and 2
 * its definition too): it is what epsilon pays for, and it changes when the children
 * do. The fixed part (scale
 * fixed_noise_scale) is keyed by the definition alone, so it is the same at every data
 * version: whoever averages the releases of one cell across versions (planting cases to
 * move it) averages the fresh parts away and is left with the fixed one. */
#ifndef WQ_NOISE_H
#define WQ_NOISE_H

#include <libpq-fe.h>
#include <sodium.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "server/indicator.h"
#include "server/keyring.h"
#include "server/siphash.h"

/* The noise functions: a key's PRF, whose uniform each part's draw inverts, and the
 * messages it takes (docs/privacy.md, "The noise function"):
 * - 1: keyed BLAKE2b (the noise subkey; the identity under the ledger's), the first;
 * - 2: SipHash-2-4 (the identity SipHash-2-4 with 128-bit output) under subkeys of the same
 *   two keys (keyring.h), the same messages: a fifth of 1's time a cell;
 * - 3: 2's PRF, but the fresh part keyed by the cell's children (its fact and cell key)
 *   alone, not by its definition (an empty cell's aside): two definitions of the same
 *   children (a filter that excludes nobody from the cell) get the same fresh part, so
 *   that averaging them takes the fixed parts away, never the fresh one. Only with a
 *   fixed part at least as large as the fresh one: with a small one or none, two such
 *   answers would be nearly or exactly equal, telling whether a filter excluded anyone.
 * A key publishes with one function all its life, as with one pair of scales: under
 * another, every cell it published would be measured again and free (the ledger's
 * identities would differ). auth.noise_rules records it with the scales: a key first seen
 * takes 3 (2 when its fixed part is smaller than its fresh one), a key that published
 * before the functions were recorded keeps 1. */
enum { NOISE_PRF_BLAKE2B = 1, NOISE_PRF_SIPHASH = 2, NOISE_PRF_BY_CHILDREN = 3 };

/* The noise of measure ('n', 'd', 'x') of the cell of definition with cell key ck at
 * epoch (epoch.h: 0, none), and the cell's ledger identity (16 bytes: a keyed hash of the
 * fresh part's message, from which neither the cell key nor the noise can be recovered).
 * An epoch follows the cell key in the fresh part's message and the identity's (8 bytes,
 * big-endian); epoch 0 adds nothing, so a deployment's cells keep their noise and
 * identities until its first change after migration 030. */
long noise_of(const struct wq_config *cfg, const struct keyring *keys, const struct indicator *ind,
	      char measure, const char *definition, uint32_t ck, uint64_t epoch,
	      uint8_t identity[16]);

/* The same for every cell of a table, with what depends on the indicator and the measure
 * alone done once (noise_of is these two). */
struct noise_measure {
	int prf;
	double fixed_scale, fresh_scale;
	/* 1: the keyed hashes, with the part of the message before the definition absorbed */
	crypto_generichash_state fixed, fresh, identity;
	/* 2 and 3: the parts before the definition (3's fresh part: before the cell key,
	 * which follows it instead), and the keys */
	char fixed_head[256], fresh_head[256], identity_head[256];
	size_t fixed_len, fresh_len, identity_len;
	int fresh_by_children; /* 3 */
	const uint8_t *fixed_key, *fresh_key, *identity_key;
	/* The floor's raise, under every function: its message's part before the
	 * definition, naming the count, and the same naming the predicate the count equals
	 * in a cell that leaves out its excluded item (raise_out_dim NULL: none); the key and
	 * the spread */
	char raise_head[256], raise_head_otherwise[256];
	size_t raise_len, raise_len_otherwise;
	const char *raise_out_dim, *raise_out_item;
	const uint8_t *raise_key;
	int spread;
};
void noise_measure_init(struct noise_measure *nm, const struct wq_config *cfg,
			const struct keyring *keys, const struct indicator *ind, char measure);

/* What one thread computing a table's cells in order keeps of the last cell's messages
 * under function 2: a cell's message is often the last one's but near its end
 * (siphash.h), so the cells cost the bytes that differ, not their whole definitions.
 * Large (15 KB): on the heap; and secret (its states give the keys back): wiped with
 * sodium_memzero before it is freed. */
struct noise_memo {
	struct sip_prefix fixed, fresh, identity;
};
void noise_memo_init(struct noise_memo *mm, const struct noise_measure *nm);

/* The noise and identity of one cell, as noise_of gives them; mm (NULL: none) is the
 * thread's memo of nm's last cell. */
long noise_cell(const struct noise_measure *nm, struct noise_memo *mm, const char *definition,
		uint32_t ck, uint64_t epoch, uint8_t identity[16]);

/* The floor's secret raise for this measure of the cell of definition (docs/privacy.md,
 * "The floor, raised in secret"): 0 to [disclosure] floor_spread children, uniform, from
 * SipHash-2-4 under a subkey of the noise key of "wiqaya-cell-floor-v1", the fact, the
 * count and the definition, each ended by a NUL. The count is the measure's predicate:
 * the numerator's for 'n', the denominator's for 'd', "not " and the numerator's (a count
 * or a rate) or the denominator's (a proportion) for 'x'; a predicate that leaves out an
 * item the definition leaves out anyway is named as the predicate it then equals
 * (model.h, `otherwise`). So every indicator and measure counting the same rows of a cell
 * gets one raise (victims and victim_rate of a child's age band, cases and a share's
 * denominator of all cases): one count of one definition is never two draws. Keyed by the
 * definition, not the children, as the fixed part is: a submitter who plants cases into a cell
 * moves its count by what it planted, never its raise, so reading at which count the cell is
 * published tells the raise less the true count, not the count. */
int noise_raise(const struct noise_measure *nm, const char *definition);
int noise_raise_of(const struct wq_config *cfg, const struct keyring *keys,
		   const struct indicator *ind, char measure, const char *definition);

/* The variance of one cell's noise: the fresh and the fixed parts'. */
double noise_variance(const struct wq_config *cfg);

/* The noise key's id, as auth.noise_rules and auth.release name it: a keyed hash of it
 * (never the key), as hex (33 bytes with its NUL). */
void noise_key_id(const struct keyring *keys, char hex[33]);

/* Whether the noise key publishes under the scales it always has (auth.noise_rules): the
 * first use records them, and the noise function, which this sets in keys->noise_prf. A
 * cell's noise is one uniform draw of the key, scaled; under two scales the same cell's
 * two counts give its true count away. 0, or -1 with e set: S5007 other scales (a new
 * scale needs a new noise key), S2xxx the database. */
int noise_rules_check(PGconn *conn, const struct wq_config *cfg, struct keyring *keys,
		      struct wq_error *e);

#endif
