/* Keyed BLAKE2b-256 (RFC 7693) with the key block compressed once per key.
 *
 * Keyed BLAKE2b processes the key, padded to a 128-byte block, as the first block, so a
 * short message costs two compressions: the key block and the message block. The key
 * block is the same for every message under a key, and RFC 7693's keyed mode is built so
 * that its compressed state can be kept (as HMAC implementations keep their inner and
 * outer pad states). libsodium's crypto_generichash cannot do this: it buffers two blocks
 * before compressing, so every call compresses the key block again. A pseudonymised
 * person needs five or six keyed hashes, and that second compression was half the cost
 * (docs/privacy.md, bench/bench_pseudonym.c).
 *
 * keyed_hash() is therefore the same function as
 *     crypto_generichash(out, 32, msg, len, key, 32)
 * bit for bit (the unit tests compare the two on every length 0..1024 under random keys,
 * and the dictionary-attack test computes tier 1 with libsodium and finds the loader's
 * tokens), at the cost of one compression per 128 bytes of message. */
#ifndef WQ_KEYED_HASH_H
#define WQ_KEYED_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_KEY_BYTES	 32
#define KEYED_HASH_BYTES 32

/* A key and the BLAKE2b chaining value after its key block. The chaining value is as
 * secret as the key (it computes the same hashes): keep this in sodium_malloc memory. */
struct hash_key {
	uint8_t bytes[HASH_KEY_BYTES];
	uint64_t after_key[8];
};

/* Sets hk from a 32-byte key: copies it and compresses its key block. */
void hash_key_init(struct hash_key *hk, const uint8_t key[HASH_KEY_BYTES]);

/* out = BLAKE2b-256 of msg keyed with hk's key. msg and out may overlap. */
void keyed_hash(const struct hash_key *hk, const void *msg, size_t len,
		uint8_t out[KEYED_HASH_BYTES]);

#endif
