/* Pseudonyms: canonical, length-prefixed, versioned encodings of identifiers, hashed
 * with keyed BLAKE2b in two tiers (pseudonymisation.md). Tier 1 = H(K_purpose, encoding)
 * lives only in memory; tier 2 = the storage-key chain over tier 1 is what the warehouse
 * stores. Identifiers go in; only hashes come out. */
#ifndef WQ_PSEUDONYM_H
#define WQ_PSEUDONYM_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "etl/pseudonym/keys.h"

#define TOKEN_BYTES KEYED_HASH_BYTES

/* Kind 3 was demo_fi (family name, given-name initial, birth date, sex): siblings and
 * twins share it, so it is no longer made (docs/privacy.md, "Linkage"). */
enum token_kind { TOKEN_ID = 1, TOKEN_DEMO = 2, TOKEN_DEMO_PH = 4 };

struct token {
	uint8_t kind;	 /* enum token_kind */
	char country[3]; /* TOKEN_ID: the issuing country, for the cannot-link rule */
	uint8_t hash[TOKEN_BYTES];
};

/* A person's identity as submitted; any field may be NULL. Borrowed, never copied. */
struct identity {
	const char *given_name, *family_name, *birth_date, *national_id, *id_country;
	char sex; /* norm_sex(): F M X U */
};

/* Appends the canonical encoding "v1" | kind | (len | field)... to sb: each field as a
 * 4-byte big-endian length and its bytes, so no two splits of the same characters encode
 * alike. Exposed for the known-answer tests. */
void pseudo_encode(struct strbuf *sb, const char *kind, const char *const *fields, int n);

/* Computes the tier-2 tokens of one person under purpose key K (KEY_LINK or KEY_CHILD)
 * and storage version VERSION: id (when a national ID is given), demo (when given name,
 * family name and birth date are) and demo_ph (the same with the given name's Soundex
 * code in place of the name, when it is written in Latin letters: spellings such as
 * Mohammed / Mohamed). Writes up to 3 tokens to out and returns
 * how many (0: the person is unlinkable), or -1 with e set (E1002, E1005, E3001) naming
 * no value. */
int pseudo_person(struct keys *k, enum key_purpose purpose, int version, const struct identity *id,
		  const char *default_country, struct token out[3], struct wq_error *e);

/* The tier-2 key of a case: agency code and case reference under KEY_CASE. */
void pseudo_case(struct keys *k, int version, const char *agency, const char *case_ref,
		 uint8_t out[TOKEN_BYTES]);

/* Tier 2 of a tier-1 value: storage keys 1..VERSION chained over it. out may be tier1. */
void pseudo_tier2(struct keys *k, int version, const uint8_t tier1[TOKEN_BYTES],
		  uint8_t out[TOKEN_BYTES]);

/* Applies storage keys FROM+1..TO to a tier-2 value in place (rotation, and new loads
 * after rotations). */
void pseudo_rehash(struct keys *k, uint8_t value[TOKEN_BYTES], int from, int to);

/* The 32-bit record key of a surrogate id (person or case, told apart by DOMAIN 'p' or
 * 'c'), under KEY_RECORD: what disclosure control's noise is derived from. */
uint32_t pseudo_record_key(const struct keys *k, char domain, int64_t id);

#endif
