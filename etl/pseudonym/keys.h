/* The pseudonymisation keys: one 32-byte master key in a file only the ETL's user can
 * read, and per-purpose subkeys derived from it (crypto_kdf_derive_from_key). All key
 * bytes live in sodium_malloc memory (guarded, locked, never swapped) and are wiped on
 * free. Only wiqaya-etl links this module: the server never holds the pseudonym key. */
#ifndef WQ_KEYS_H
#define WQ_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "etl/pseudonym/keyed_hash.h"

#define KEY_BYTES	HASH_KEY_BYTES
#define KEY_MAX_VERSION 255

/* The purposes with a subkey of their own (the KDF subkey ids; never renumber). */
enum key_purpose {
	KEY_LINK = 1,	/* tier 1 of victims' and adult offenders' tokens */
	KEY_CASE = 2,	/* tier 1 of case references */
	KEY_CHILD = 3,	/* tier 1 of children who harmed (unlinked after retention) */
	KEY_RECORD = 4, /* record keys for disclosure control, from surrogate ids */
	KEY_BATCH = 5,	/* batch identity: a keyed hash of the input bytes */
	KEY_NPURPOSE
};

/* Subkeys are kept with their compressed key block (keyed_hash.h). */
struct keys {
	uint8_t *master;			     /* sodium_malloc'd */
	struct hash_key *sub[KEY_NPURPOSE];	     /* sodium_malloc'd; by enum key_purpose */
	struct hash_key *store[KEY_MAX_VERSION + 1]; /* storage keys 1..255, on first use */
};

/* Writes a new master key (32 bytes from randombytes_buf) to PATH with mode 0400,
 * refusing to replace an existing file (O_EXCL, since root ignores modes). Returns 0, or
 * -1 with e set (K1001). */
int keys_generate(const char *path, struct wq_error *e);

/* Loads the master key from PATH and derives the subkeys. Refuses a file that group or
 * others may read (K1002, like libpq's .pgpass), a missing file (K1003) or one that is not
 * exactly 32 bytes (K1004). Also disables core dumps. Returns 0 or -1. */
int keys_load(struct keys *k, const char *path, struct wq_error *e);
/* Builds keys from raw master bytes (tests and benchmarks). */
void keys_from_bytes(struct keys *k, const uint8_t master[KEY_BYTES]);
/* Wipes and frees every key. Safe on a zeroed struct. */
void keys_free(struct keys *k);

/* Storage key version V (1..255), derived on first use. Never NULL for a valid V. */
const struct hash_key *keys_store(struct keys *k, int version);

/* A public fingerprint of the master key: a keyed hash of a fixed public string under
 * the key, 16 hex digits (not a hash of the secret, which would be an offline oracle). */
void keys_fingerprint(const struct keys *k, char out[17]);

#endif
