/* Canonical encodings and keyed BLAKE2b tokens (see pseudonym.h, docs/privacy.md). */
#include "etl/pseudonym/pseudonym.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "etl/pseudonym/normalise.h"

#define NAME_MAX_BYTES 512

/* An encoding buffer on the stack: a person's fields are bounded (NAME_MAX_BYTES each),
 * so no allocation is needed on this path, which runs once per token. */
struct enc {
	uint8_t data[2 + 4 * (4 + NAME_MAX_BYTES) + 64];
	size_t len;
	size_t used; /* the most bytes any encoding in it took: what enc_wipe clears */
};

static void enc_init(struct enc *b)
{
	b->len = b->used = 0;
}

static void enc_wipe(struct enc *b)
{
	sodium_memzero(b->data, b->used);
	b->len = b->used = 0;
}

static void put_field(struct enc *b, const char *s, size_t len)
{
	uint8_t *p = b->data + b->len;
	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	memcpy(p + 4, s, len);
	b->len += 4 + len;
}

/* Fields longer than NAME_MAX_BYTES never reach here: normalisation bounds them. */
static void encode(struct enc *b, const char *kind, const char *const *fields, int n)
{
	memcpy(b->data, "v1", 2);
	b->len = 2;
	put_field(b, kind, strlen(kind));
	for (int i = 0; i < n; i++)
		put_field(b, fields[i], strnlen(fields[i], NAME_MAX_BYTES));
	if (b->len > b->used)
		b->used = b->len;
}

void pseudo_encode(struct strbuf *sb, const char *kind, const char *const *fields, int n)
{
	struct enc b;
	enc_init(&b);
	encode(&b, kind, fields, n);
	sb_put(sb, b.data, b.len);
	enc_wipe(&b);
}

/* tier 2 = chain of storage keys 1..version over tier 1 = H(key, encoding). */
static void tier2(struct keys *k, enum key_purpose purpose, const struct enc *enc, int version,
		  uint8_t out[TOKEN_BYTES])
{
	uint8_t t1[TOKEN_BYTES];
	keyed_hash(k->sub[purpose], enc->data, enc->len, t1);
	pseudo_tier2(k, version, t1, out);
	sodium_memzero(t1, sizeof t1);
}

void pseudo_tier2(struct keys *k, int version, const uint8_t tier1[TOKEN_BYTES],
		  uint8_t out[TOKEN_BYTES])
{
	keyed_hash(keys_store(k, 1), tier1, TOKEN_BYTES, out);
	pseudo_rehash(k, out, 1, version);
}

void pseudo_rehash(struct keys *k, uint8_t value[TOKEN_BYTES], int from, int to)
{
	for (int v = from + 1; v <= to; v++)
		keyed_hash(keys_store(k, v), value, TOKEN_BYTES, value);
}

int pseudo_person(struct keys *k, enum key_purpose purpose, int version, const struct identity *id,
		  const char *default_country, struct token out[3], struct wq_error *e)
{
	/* Only the first byte is set: zero-filling 1 KiB per person cost more than a hash. */
	char given[NAME_MAX_BYTES], family[NAME_MAX_BYTES], nid[128], sound[8], sex[2];
	struct enc enc;
	int ntok = 0, rc = -1, y, m, d;

	given[0] = family[0] = nid[0] = sound[0] = '\0';
	enc_init(&enc);
	if (id->national_id && id->national_id[0]) {
		if (norm_national_id(id->national_id, strlen(id->national_id), nid, sizeof nid, e) <
		    0)
			goto out;
		if (nid[0]) {
			const char *country = id->id_country ? id->id_country : default_country;
			const char *f[] = {country, nid};
			encode(&enc, "id", f, 2);
			out[ntok].kind = TOKEN_ID;
			snprintf(out[ntok].country, sizeof out[ntok].country, "%s", country);
			tier2(k, purpose, &enc, version, out[ntok].hash);
			ntok++;
		}
	}
	if (id->given_name && id->family_name && id->birth_date) {
		int gl = norm_name(id->given_name, strlen(id->given_name), given, sizeof given, e);
		if (gl < 0)
			goto out;
		int fl =
		    norm_name(id->family_name, strlen(id->family_name), family, sizeof family, e);
		if (fl < 0)
			goto out;
		if (norm_date(id->birth_date, 0, &y, &m, &d, e) < 0)
			goto out;
		if (gl > 0 && fl > 0) {
			sex[0] = id->sex ? id->sex : 'U';
			sex[1] = '\0';
			const char *f[] = {id->birth_date, family, given, sex};
			encode(&enc, "demo", f, 4);
			out[ntok].kind = TOKEN_DEMO;
			out[ntok].country[0] = '\0';
			tier2(k, purpose, &enc, version, out[ntok].hash);
			ntok++;

			if (norm_soundex(given, sound) == 0) {
				f[2] = sound;
				encode(&enc, "demo_ph", f, 4);
				out[ntok].kind = TOKEN_DEMO_PH;
				out[ntok].country[0] = '\0';
				tier2(k, purpose, &enc, version, out[ntok].hash);
				ntok++;
			}
		}
	}
	rc = ntok;
out:
	/* Wipe what held identifiers (the bytes used: a name's bytes contain no NUL). */
	enc_wipe(&enc);
	sodium_memzero(given, strnlen(given, sizeof given));
	sodium_memzero(family, strnlen(family, sizeof family));
	sodium_memzero(nid, strnlen(nid, sizeof nid));
	sodium_memzero(sound, sizeof sound);
	return rc;
}

void pseudo_case(struct keys *k, int version, const char *agency, const char *case_ref,
		 uint8_t out[TOKEN_BYTES])
{
	struct enc enc;
	const char *f[] = {agency, case_ref};
	enc_init(&enc);
	encode(&enc, "case", f, 2);
	tier2(k, KEY_CASE, &enc, version, out);
	enc_wipe(&enc);
}

uint32_t pseudo_record_key(const struct keys *k, char domain, int64_t id)
{
	uint8_t msg[10] = {'r', (uint8_t)domain};
	uint8_t h[crypto_generichash_BYTES_MIN];
	for (int i = 0; i < 8; i++)
		msg[2 + i] = (uint8_t)((uint64_t)id >> (56 - 8 * i));
	crypto_generichash(h, sizeof h, msg, sizeof msg, k->sub[KEY_RECORD]->bytes, KEY_BYTES);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}
