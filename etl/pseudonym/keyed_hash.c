/* Keyed BLAKE2b-256 with the key block compressed once (see keyed_hash.h). The
 * compression function follows RFC 7693, section 3.2, with its rounds unrolled so that
 * the message schedule indexes are constants, as the reference implementation does. It
 * is add-rotate-xor only: no table lookup or branch depends on the key or the message. */
#include "etl/pseudonym/keyed_hash.h"

#include <endian.h>
#include <sodium.h>
#include <string.h>

#define BLOCK_BYTES 128

static const uint64_t iv[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
			       0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
			       0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

/* The message schedule of rounds 0..9; rounds 10 and 11 repeat rounds 0 and 1. */
static const uint8_t sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

/* Little-endian words; memcpy and le64toh compile to one load on x86 (a byte loop did
 * not, and cost a third of the time at -O2). */
static uint64_t load64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return le64toh(w);
}

static uint64_t rotr64(uint64_t x, unsigned n)
{
	return x >> n | x << (64 - n);
}

#define G(r, i, a, b, c, d)                                                                        \
	do {                                                                                       \
		a = a + b + m[sigma[r][2 * (i)]];                                                  \
		d = rotr64(d ^ a, 32);                                                             \
		c = c + d;                                                                         \
		b = rotr64(b ^ c, 24);                                                             \
		a = a + b + m[sigma[r][2 * (i) + 1]];                                              \
		d = rotr64(d ^ a, 16);                                                             \
		c = c + d;                                                                         \
		b = rotr64(b ^ c, 63);                                                             \
	} while (0)

#define ROUND(r)                                                                                   \
	do {                                                                                       \
		G(r, 0, v[0], v[4], v[8], v[12]);                                                  \
		G(r, 1, v[1], v[5], v[9], v[13]);                                                  \
		G(r, 2, v[2], v[6], v[10], v[14]);                                                 \
		G(r, 3, v[3], v[7], v[11], v[15]);                                                 \
		G(r, 4, v[0], v[5], v[10], v[15]);                                                 \
		G(r, 5, v[1], v[6], v[11], v[12]);                                                 \
		G(r, 6, v[2], v[7], v[8], v[13]);                                                  \
		G(r, 7, v[3], v[4], v[9], v[14]);                                                  \
	} while (0)

/* F of RFC 7693: compresses one block into h. COUNT is the number of bytes hashed so far,
 * this block included (messages stay far below 2^64 bytes, so the high word is 0). */
static void compress(uint64_t h[8], const uint8_t block[BLOCK_BYTES], uint64_t count, int last)
{
	uint64_t m[16], v[16];
	for (int i = 0; i < 16; i++)
		m[i] = load64(block + 8 * i);
	for (int i = 0; i < 8; i++) {
		v[i] = h[i];
		v[i + 8] = iv[i];
	}
	v[12] ^= count;
	if (last)
		v[14] = ~v[14];
	ROUND(0);
	ROUND(1);
	ROUND(2);
	ROUND(3);
	ROUND(4);
	ROUND(5);
	ROUND(6);
	ROUND(7);
	ROUND(8);
	ROUND(9);
	ROUND(10);
	ROUND(11);
	for (int i = 0; i < 8; i++)
		h[i] ^= v[i] ^ v[i + 8];
	/* The message words may be identifier bytes. */
	sodium_memzero(m, sizeof m);
}

/* The parameter block of keyed BLAKE2b-256 with a 32-byte key: digest length, key
 * length, fanout 1, depth 1; no salt or personalisation. */
static void initial_state(uint64_t h[8])
{
	memcpy(h, iv, sizeof iv);
	h[0] ^= 0x01010000ULL | (uint64_t)HASH_KEY_BYTES << 8 | KEYED_HASH_BYTES;
}

static void store_digest(uint8_t out[KEYED_HASH_BYTES], const uint64_t h[8])
{
	for (int i = 0; i < KEYED_HASH_BYTES / 8; i++) {
		uint64_t w = htole64(h[i]);
		memcpy(out + 8 * i, &w, sizeof w);
	}
}

void hash_key_init(struct hash_key *hk, const uint8_t key[HASH_KEY_BYTES])
{
	uint8_t block[BLOCK_BYTES] = {0};
	memcpy(hk->bytes, key, HASH_KEY_BYTES);
	memcpy(block, key, HASH_KEY_BYTES);
	initial_state(hk->after_key);
	compress(hk->after_key, block, BLOCK_BYTES, 0);
	sodium_memzero(block, sizeof block);
}

void keyed_hash(const struct hash_key *hk, const void *msg, size_t len,
		uint8_t out[KEYED_HASH_BYTES])
{
	const uint8_t *p = msg;
	uint8_t last[BLOCK_BYTES] = {0}; /* the last message block: identifier bytes */
	uint64_t h[8], count = BLOCK_BYTES;

	if (len == 0) {
		/* No message block: the key block is the last block. */
		initial_state(h);
		memcpy(last, hk->bytes, HASH_KEY_BYTES);
	} else {
		memcpy(h, hk->after_key, sizeof h);
		for (; len > BLOCK_BYTES; p += BLOCK_BYTES, len -= BLOCK_BYTES) {
			count += BLOCK_BYTES;
			compress(h, p, count, 0);
		}
		memcpy(last, p, len);
		count += len;
	}
	compress(h, last, count, 1);
	store_digest(out, h);
	sodium_memzero(last, sizeof last);
	sodium_memzero(h, sizeof h);
}
