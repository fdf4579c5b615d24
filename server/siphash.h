/* SipHash-2-4 (64-bit output) and its 128-bit variant, as libsodium's
 * crypto_shorthash_siphash24 and crypto_shorthash_siphashx24 compute them, over messages
 * that share prefixes: a fresh table's cells often hash messages that differ from the
 * previous cell's only near their end (when the constraint of the dimension that varies
 * fastest sorts late in the cell's definition), so the state after each 8-byte block of
 * the last message is kept and the next message resumes from the last block the two
 * share. The states give the key back: a hasher is wiped when done (noise.h).
 * libsodium takes a message whole; this is the one reason for a SipHash of our own, and
 * tests/unit/test_siphash.c holds every output to libsodium's. */
#ifndef WQ_SIPHASH_H
#define WQ_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The longest message whose blocks are kept; a longer one is hashed whole (correct, and
 * as slow as libsodium). */
#define SIP_PREFIX_MAX 1024

struct sip_prefix {
	int wide;			       /* 128-bit output */
	size_t len;			       /* the last message's length (0: none yet) */
	uint8_t last[SIP_PREFIX_MAX];	       /* its whole blocks */
	uint64_t v[SIP_PREFIX_MAX / 8 + 1][4]; /* the state after each (v[0]: the key's) */
};

/* A hasher under key (16 bytes), of 8-byte (wide 0) or 16-byte (wide 1) outputs. */
void sip_prefix_init(struct sip_prefix *s, const uint8_t key[16], int wide);

/* The hash of m[0..len) into out (8 or 16 bytes). */
void sip_prefix_hash(struct sip_prefix *s, const uint8_t *m, size_t len, uint8_t *out);

#endif
