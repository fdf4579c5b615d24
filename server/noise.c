/* The noise of a cell (see noise.h). */
#include "server/noise.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "server/model.h"
#include "stats/disclosure.h"

/* The part of the PRF message of one measure of one cell before its definition:
 * "wiqaya-cell-" and the function's tag, the indicator and the measure, each ended by a
 * NUL. The definition (with its NUL) follows, then the cell key (the fresh part's) or
 * nothing (the fixed part's). The same message gives the same noise (stickiness) and,
 * with the cell key, the same ledger identity. */
static size_t head(char m[256], const char *tag, const struct indicator *ind, char measure)
{
	int n = snprintf(m, 256, "wiqaya-cell-%s%c%s%c%c%c", tag, 0, ind->id, 0, measure, 0);
	if (n < 0 || n >= 256)
		abort(); /* an indicator id of 230 bytes or more; config/indicators.json's are short
			  */
	return (size_t)n;
}

/* Function 3's fresh part before the cell key: "wiqaya-cell-v3-fresh", the fact and the
 * measure, each ended by a NUL. Not the indicator or the definition: the same children of
 * one fact, however defined, get one fresh part a measure (the measure kept: a
 * proportion's numerator and denominator over the same children would otherwise differ
 * by their fixed parts alone). */
static size_t children_head(char m[256], const struct fact *fact, char measure)
{
	int n = snprintf(m, 256, "wiqaya-cell-v3-fresh%c%s%c%c%c", 0, fact->name, 0, measure, 0);
	if (n < 0 || n >= 256)
		abort(); /* a fact's name of 230 bytes or more; the model's are short */
	return (size_t)n;
}

/* The raise's message before the definition, naming the count (noise.h): with the
 * measure's predicate, and with the predicate it equals where its excluded item is left
 * out by the cell. */
static size_t raise_head(char m[256], const char *fact, int negated, const char *predicate)
{
	int n = snprintf(m, 256, "wiqaya-cell-floor-v1%c%s%c%s%s%c", 0, fact, 0,
			 negated ? "not " : "", predicate, 0);
	if (n < 0 || n >= 256)
		abort(); /* a fact's or predicate's name of 100 bytes or more; the model's are short
			  */
	return (size_t)n;
}

static void raise_heads(struct noise_measure *nm, const struct indicator *ind, char measure)
{
	int proportion = ind->type == IND_PROPORTION, negated = measure == 'x';
	const struct predicate *p =
	    measure == 'd' || (negated && proportion) ? ind->denominator : ind->numerator;
	const char *fact = ind->fact ? ind->fact->name : "";
	nm->raise_len = raise_head(nm->raise_head, fact, negated, p ? p->name : "");
	nm->raise_out_dim = p && p->out_dim && p->otherwise ? p->out_dim : NULL;
	if (nm->raise_out_dim) {
		nm->raise_out_item = p->out_item;
		nm->raise_len_otherwise =
		    raise_head(nm->raise_head_otherwise, fact, negated, p->otherwise);
	}
}

/* Whether definition holds a constraint dim=ITEMS (a single-valued dimension's) whose
 * items do not include item: the cell leaves item out. */
static int leaves_out(const char *definition, const char *dim, const char *item)
{
	size_t dl = strlen(dim), il = strlen(item);
	for (const char *c = definition, *next; c; c = next ? next + 1 : NULL) {
		next = strchr(c, '&');
		if (strncmp(c, dim, dl) != 0 || c[dl] != '=')
			continue;
		const char *v = c + dl + 1, *end = next ? next : v + strlen(v);
		while (v < end) {
			const char *comma = memchr(v, ',', (size_t)(end - v)),
				   *stop = comma ? comma : end;
			if ((size_t)(stop - v) == il && memcmp(v, item, il) == 0)
				return 0;
			v = comma ? comma + 1 : end;
		}
		return 1;
	}
	return 0;
}

static void absorbed(crypto_generichash_state *st, const uint8_t *key, size_t outlen,
		     const char *tag, const struct indicator *ind, char measure)
{
	char m[256];
	size_t n = head(m, tag, ind, measure);
	crypto_generichash_init(st, key, 32, outlen);
	crypto_generichash_update(st, (const uint8_t *)m, n);
}

void noise_measure_init(struct noise_measure *nm, const struct wq_config *cfg,
			const struct keyring *keys, const struct indicator *ind, char measure)
{
	memset(nm, 0, sizeof *nm);
	nm->prf = __atomic_load_n(&keys->noise_prf, __ATOMIC_ACQUIRE);
	nm->fixed_scale = cfg->fixed_noise_scale;
	nm->fresh_scale = cfg->noise_scale;
	raise_heads(nm, ind, measure);
	nm->raise_key = keys->sip_floor;
	nm->spread = cfg->floor_spread;
	if (nm->prf == NOISE_PRF_BLAKE2B) {
		/* The keyed hashes absorb the part before the definition once; a cell adds its
		 * own part to a copy. */
		absorbed(&nm->fixed, keys->noise, 8, "fixed-v1", ind, measure);
		absorbed(&nm->fresh, keys->noise, 8, "v1", ind, measure);
		absorbed(&nm->identity, keys->ledger, 16, "v1", ind, measure);
	} else if (nm->prf == NOISE_PRF_SIPHASH || nm->prf == NOISE_PRF_BY_CHILDREN) {
		int three = nm->prf == NOISE_PRF_BY_CHILDREN;
		nm->fixed_len = head(nm->fixed_head, three ? "fixed-v3" : "fixed-v2", ind, measure);
		nm->identity_len = head(nm->identity_head, three ? "v3" : "v2", ind, measure);
		nm->fresh_by_children = three;
		if (three) {
			nm->fresh_len = children_head(nm->fresh_head, ind->fact, measure);
		} else { /* the identity's message is the fresh part's */
			memcpy(nm->fresh_head, nm->identity_head, nm->identity_len);
			nm->fresh_len = nm->identity_len;
		}
		nm->fixed_key = keys->sip_fixed;
		nm->fresh_key = keys->sip_fresh;
		nm->identity_key = keys->sip_identity;
	} else {
		abort(); /* no noise before the key's rules are read (noise_rules_check) */
	}
}

static void big_endian(uint32_t ck, uint8_t k[4])
{
	k[0] = (uint8_t)(ck >> 24), k[1] = (uint8_t)(ck >> 16), k[2] = (uint8_t)(ck >> 8),
	k[3] = (uint8_t)ck;
}

/* The epoch's bytes (8, big-endian), or none for epoch 0. */
static size_t epoch_bytes(uint64_t epoch, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(epoch >> (56 - 8 * i));
	return epoch ? 8 : 0;
}

static long cell_blake2b(const struct noise_measure *nm, const char *definition, size_t len,
			 uint32_t ck, uint64_t epoch, uint8_t identity[16])
{
	uint8_t k[4], h[8], ep[8];
	size_t eplen = epoch_bytes(epoch, ep);
	crypto_generichash_state st;
	long noise = 0;
	big_endian(ck, k);
	if (nm->fixed_scale > 0) {
		st = nm->fixed;
		crypto_generichash_update(&st, (const uint8_t *)definition, len);
		crypto_generichash_final(&st, h, sizeof h);
		noise = dl_draw(dl_uniform_of(h), nm->fixed_scale);
	}
	st = nm->fresh;
	crypto_generichash_update(&st, (const uint8_t *)definition, len);
	crypto_generichash_update(&st, k, sizeof k);
	crypto_generichash_update(&st, ep, eplen);
	crypto_generichash_final(&st, h, sizeof h);
	noise += dl_draw(dl_uniform_of(h), nm->fresh_scale);
	st = nm->identity;
	crypto_generichash_update(&st, (const uint8_t *)definition, len);
	crypto_generichash_update(&st, k, sizeof k);
	crypto_generichash_update(&st, ep, eplen);
	crypto_generichash_final(&st, identity, 16);
	return noise;
}

void noise_memo_init(struct noise_memo *mm, const struct noise_measure *nm)
{
	if (nm->prf == NOISE_PRF_BLAKE2B)
		return;
	sip_prefix_init(&mm->fixed, nm->fixed_key, 0);
	sip_prefix_init(&mm->fresh, nm->fresh_key, 0);
	sip_prefix_init(&mm->identity, nm->identity_key, 1);
}

/* SipHash-2-4 of m[0..len) under key, into h (8 bytes; 16 wide), through the memo's
 * hasher when there is one. */
static void sip(struct sip_prefix *memo, const uint8_t *key, int wide, const uint8_t *m, size_t len,
		uint8_t *h)
{
	if (memo)
		sip_prefix_hash(memo, m, len, h);
	else if (wide)
		crypto_shorthash_siphashx24(h, m, len, key);
	else
		crypto_shorthash_siphash24(h, m, len, key);
}

/* SipHash takes its message whole: the parts are copied together (on the stack, unless a
 * definition of thousands of items asks for more). */
static long cell_siphash(const struct noise_measure *nm, struct noise_memo *mm,
			 const char *definition, size_t len, uint32_t ck, uint64_t epoch,
			 uint8_t identity[16])
{
	uint8_t stack[2048], *m = stack, h[8], ep[8];
	size_t eplen = epoch_bytes(epoch, ep);
	size_t most =
	    (nm->fixed_len > nm->identity_len ? nm->fixed_len : nm->identity_len) + len + 4 + 8;
	long noise = 0;
	if (most > sizeof stack)
		m = xmalloc(most);
	if (nm->fixed_scale > 0) {
		memcpy(m, nm->fixed_head, nm->fixed_len);
		memcpy(m + nm->fixed_len, definition, len);
		sip(mm ? &mm->fixed : NULL, nm->fixed_key, 0, m, nm->fixed_len + len, h);
		noise = dl_draw(dl_uniform_of(h), nm->fixed_scale);
	}
	/* The identity's message (function 2's fresh part's too): the head, the definition,
	 * the cell key, the epoch. */
	size_t n = nm->identity_len + len + 4 + eplen;
	memcpy(m, nm->identity_head, nm->identity_len);
	memcpy(m + nm->identity_len, definition, len);
	big_endian(ck, m + nm->identity_len + len);
	memcpy(m + nm->identity_len + len + 4, ep, eplen);
	/* (An empty cell's, cell key 0, keyed by its definition as under function 2: the
	 * empty set is in thousands of cells of one release, which would otherwise all
	 * share one draw.) */
	if (nm->fresh_by_children && ck != 0) {
		uint8_t c[sizeof nm->fresh_head + 4 + 8];
		memcpy(c, nm->fresh_head, nm->fresh_len);
		big_endian(ck, c + nm->fresh_len);
		memcpy(c + nm->fresh_len + 4, ep, eplen);
		sip(NULL, nm->fresh_key, 0, c, nm->fresh_len + 4 + eplen, h);
	} else {
		sip(mm ? &mm->fresh : NULL, nm->fresh_key, 0, m, n, h);
	}
	noise += dl_draw(dl_uniform_of(h), nm->fresh_scale);
	sip(mm ? &mm->identity : NULL, nm->identity_key, 1, m, n, identity);
	if (m != stack)
		free(m);
	return noise;
}

long noise_cell(const struct noise_measure *nm, struct noise_memo *mm, const char *definition,
		uint32_t ck, uint64_t epoch, uint8_t identity[16])
{
	size_t len = strlen(definition) + 1; /* with its NUL */
	return nm->prf == NOISE_PRF_BLAKE2B
		   ? cell_blake2b(nm, definition, len, ck, epoch, identity)
		   : cell_siphash(nm, mm, definition, len, ck, epoch, identity);
}

long noise_of(const struct wq_config *cfg, const struct keyring *keys, const struct indicator *ind,
	      char measure, const char *definition, uint32_t ck, uint64_t epoch,
	      uint8_t identity[16])
{
	struct noise_measure nm;
	noise_measure_init(&nm, cfg, keys, ind, measure);
	return noise_cell(&nm, NULL, definition, ck, epoch, identity);
}

int noise_raise(const struct noise_measure *nm, const char *definition)
{
	if (nm->spread <= 0)
		return 0;
	int otherwise =
	    nm->raise_out_dim && leaves_out(definition, nm->raise_out_dim, nm->raise_out_item);
	const char *head = otherwise ? nm->raise_head_otherwise : nm->raise_head;
	size_t hl = otherwise ? nm->raise_len_otherwise : nm->raise_len;
	size_t len = strlen(definition) + 1, n = hl + len;
	uint8_t stack[2048], *m = n > sizeof stack ? xmalloc(n) : stack, h[8];
	memcpy(m, head, hl);
	memcpy(m + hl, definition, len);
	crypto_shorthash_siphash24(h, m, n, nm->raise_key);
	if (m != stack)
		free(m);
	uint64_t u = 0;
	for (int i = 7; i >= 0; i--)
		u = u << 8 | h[i];
	/* (The modulo's bias, at most 10 / 2^64, is nothing.) */
	return (int)(u % (uint64_t)(nm->spread + 1));
}

int noise_raise_of(const struct wq_config *cfg, const struct keyring *keys,
		   const struct indicator *ind, char measure, const char *definition)
{
	struct noise_measure nm;
	noise_measure_init(&nm, cfg, keys, ind, measure);
	return noise_raise(&nm, definition);
}

double noise_variance(const struct wq_config *cfg)
{
	return dl_variance(cfg->noise_scale) +
	       (cfg->fixed_noise_scale > 0 ? dl_variance(cfg->fixed_noise_scale) : 0);
}

void noise_key_id(const struct keyring *keys, char hex[33])
{
	static const char label[] = "wiqaya-noise-key-id";
	uint8_t id[16];
	crypto_generichash(id, sizeof id, (const uint8_t *)label, sizeof label - 1, keys->noise,
			   32);
	sodium_bin2hex(hex, 33, id, sizeof id);
}

int noise_rules_check(PGconn *conn, const struct wq_config *cfg, struct keyring *keys,
		      struct wq_error *e)
{
	char hex[33], scale[32], fixed[32], spread[16];
	noise_key_id(keys, hex);
	snprintf(scale, sizeof scale, "%.17g", cfg->noise_scale);
	snprintf(fixed, sizeof fixed, "%.17g", cfg->fixed_noise_scale);
	snprintf(spread, sizeof spread, "%d", cfg->floor_spread);
	const char *params[] = {hex, scale, fixed, spread};
	/* A key first seen takes the newest function (3; 2 when its fixed part is smaller
	 * than its fresh one, noise.h); but the first key a database records, when it has
	 * published already (the ledger, a release or a public release), is taken for the key
	 * that published before the rules were recorded (migration 022), under the first
	 * function. */
	PGresult *r = db_exec(
	    conn, e,
	    "INSERT INTO auth.noise_rules (key_id, noise_scale, fixed_noise_scale, "
	    "noise_function, floor_spread) SELECT decode($1, 'hex'), $2::float8, $3::float8, "
	    "CASE WHEN NOT EXISTS (SELECT FROM auth.noise_rules) AND (EXISTS "
	    "(SELECT FROM auth.released) OR EXISTS (SELECT FROM auth.release) OR "
	    "EXISTS (SELECT FROM auth.public_release)) THEN 1 WHEN $3::float8 >= $2::float8 THEN 3 "
	    "ELSE 2 END, $4::smallint "
	    "ON CONFLICT (key_id) DO NOTHING RETURNING noise_function",
	    4, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1 && atoi(PQgetvalue(r, 0, 0)) == NOISE_PRF_BLAKE2B)
		/* Taken for the key that published: if another key did, its numbers change. */
		log_warning("the noise key %s is recorded with noise function 1: the first key "
			    "of a database that published before keys were recorded "
			    "(docs/privacy.md, \"The noise function\")",
			    hex);
	PQclear(r);
	r = db_exec(conn, e,
		    "SELECT noise_scale, fixed_noise_scale, noise_function, floor_spread "
		    "FROM auth.noise_rules WHERE key_id = decode($1, 'hex')",
		    1, params);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(e, "S2001", "the noise key's row of auth.noise_rules went away");
	}
	double was = atof(PQgetvalue(r, 0, 0)), was_fixed = atof(PQgetvalue(r, 0, 1));
	int function = atoi(PQgetvalue(r, 0, 2)), was_spread = atoi(PQgetvalue(r, 0, 3));
	int no_spread = PQgetisnull(r, 0, 3);
	PQclear(r);
	if (function < NOISE_PRF_BLAKE2B || function > NOISE_PRF_BY_CHILDREN) {
		err_set(e, "S5009",
			"the noise key is recorded with noise function %d, which this "
			"server does not know",
			function);
		err_hint(e, "Run the server that recorded it (a newer one): an older one would "
			    "draw every cell again (docs/operations.md).");
		return -1;
	}
	/* A key recorded before the floor was raised takes the spread it first starts with
	 * under its own scales (migration 028; once, sql/functions/auth.noise_rules_kept.sql). */
	if (was == cfg->noise_scale && was_fixed == cfg->fixed_noise_scale && no_spread) {
		const char *first[] = {hex, spread};
		if (db_run(conn, e,
			   "UPDATE auth.noise_rules SET floor_spread = $2::smallint "
			   "WHERE key_id = decode($1, 'hex') AND floor_spread IS NULL",
			   2, first) < 0)
			return -1;
		/* (Another server may have recorded another first.) */
		r = db_exec(
		    conn, e,
		    "SELECT floor_spread FROM auth.noise_rules WHERE key_id = decode($1, 'hex')", 1,
		    first);
		if (!r)
			return -1;
		was_spread = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
		PQclear(r);
	}
	if (was == cfg->noise_scale && was_fixed == cfg->fixed_noise_scale &&
	    was_spread != cfg->floor_spread) {
		err_set(e, "S5010", "the noise key has published under floor_spread %d",
			was_spread);
		err_detail(e,
			   "A cell's raise of the floor is one draw of the key, modulo the spread "
			   "and one: the same cell under two spreads says more of its count.");
		err_hint(e, "Set [disclosure] floor_spread back, or make a new noise key "
			    "(docs/privacy.md, \"Changing the noise\").");
		return -1;
	}
	if (was == cfg->noise_scale && was_fixed == cfg->fixed_noise_scale) {
		__atomic_store_n(&keys->noise_prf, function, __ATOMIC_RELEASE);
		return 0;
	}
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
