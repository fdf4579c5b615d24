/* SipHash-2-4 over messages that share prefixes (see siphash.h), after the reference
 * (Aumasson and Bernstein, 2012) and libsodium's, which the tests hold it to. The state
 * is four scalars, so that it stays in registers. */
#include "server/siphash.h"

#include <endian.h>
#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIP_ROUND                                                                                  \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, sizeof x);
	return le64toh(x);
}

static inline void store64(uint8_t *p, uint64_t x)
{
	x = htole64(x);
	memcpy(p, &x, sizeof x);
}

void sip_prefix_init(struct sip_prefix *s, const uint8_t key[16], int wide)
{
	uint64_t k0 = load64(key), k1 = load64(key + 8);
	s->wide = wide;
	s->len = 0;
	s->v[0][0] = k0 ^ 0x736f6d6570736575ULL;
	s->v[0][1] = k1 ^ 0x646f72616e646f6dULL ^ (wide ? 0xee : 0);
	s->v[0][2] = k0 ^ 0x6c7967656e657261ULL;
	s->v[0][3] = k1 ^ 0x7465646279746573ULL;
}

void sip_prefix_hash(struct sip_prefix *s, const uint8_t *m, size_t len, uint8_t *out)
{
	size_t whole = len / 8, from = 0;
	/* A message longer than the blocks kept is hashed whole, and kept is not touched. */
	int keep = len <= SIP_PREFIX_MAX;
	if (keep) {
		/* The whole blocks the last message shared: their state is kept. */
		size_t kept = s->len / 8;
		while (from < whole && from < kept &&
		       load64(s->last + 8 * from) == load64(m + 8 * from))
			from++;
	}
	uint64_t v0 = s->v[from][0], v1 = s->v[from][1], v2 = s->v[from][2], v3 = s->v[from][3];
	for (size_t j = from; j < whole; j++) {
		uint64_t b = load64(m + 8 * j);
		v3 ^= b;
		SIP_ROUND;
		SIP_ROUND;
		v0 ^= b;
		if (keep) {
			s->v[j + 1][0] = v0;
			s->v[j + 1][1] = v1;
			s->v[j + 1][2] = v2;
			s->v[j + 1][3] = v3;
		}
	}
	if (keep) {
		memcpy(s->last + 8 * from, m + 8 * from, 8 * (whole - from));
		s->len = len;
	}
	/* The last block: the message's remaining bytes and its length's low byte. */
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)m[8 * whole + i] << (8 * i);
	v3 ^= b;
	SIP_ROUND;
	SIP_ROUND;
	v0 ^= b;
	v2 ^= s->wide ? 0xee : 0xff;
	for (int r = 0; r < 4; r++)
		SIP_ROUND;
	store64(out, v0 ^ v1 ^ v2 ^ v3);
	if (!s->wide)
		return;
	v1 ^= 0xdd;
	for (int r = 0; r < 4; r++)
		SIP_ROUND;
	store64(out + 8, v0 ^ v1 ^ v2 ^ v3);
}
