/* server/siphash.c against libsodium: every output, over messages that share prefixes of
 * every length with the one before (as a table's cells do), that share nothing, that grow
 * and shrink across block boundaries, and that are longer than the blocks kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "server/siphash.h"

#define LONGEST (SIP_PREFIX_MAX + 200)

/* Hashes each message with both hashers and libsodium, and compares. */
static void same(struct sip_prefix *narrow, struct sip_prefix *wide, const uint8_t key[16],
		 const uint8_t *m, size_t len)
{
	uint8_t ours[16], theirs[16];
	sip_prefix_hash(narrow, m, len, ours);
	crypto_shorthash_siphash24(theirs, m, len, key);
	assert_memory_equal(ours, theirs, 8);
	sip_prefix_hash(wide, m, len, ours);
	crypto_shorthash_siphashx24(theirs, m, len, key);
	assert_memory_equal(ours, theirs, 16);
}

static void every_output_is_libsodiums(void **state)
{
	(void)state;
	static struct sip_prefix narrow, wide;
	uint8_t key[16], m[LONGEST];
	size_t len = 0;
	randombytes_buf(key, sizeof key);
	sip_prefix_init(&narrow, key, 0);
	sip_prefix_init(&wide, key, 1);
	for (int i = 0; i < 20000; i++) {
		/* The next message: a prefix of this one kept (of any length, at a block's
		 * edge or not), the rest new; mostly short, as a cell's, some past the
		 * blocks kept. */
		size_t keep = len ? randombytes_uniform((uint32_t)len + 1) : 0;
		size_t next =
		    i % 50 == 0 ? randombytes_uniform(LONGEST + 1) : randombytes_uniform(300);
		if (next > keep)
			randombytes_buf(m + keep, next - keep);
		/* sometimes a byte of the prefix changes, as a cell's early dimension does */
		if (i % 7 == 0 && keep > 0)
			m[randombytes_uniform((uint32_t)keep)] ^= 0x5a;
		len = next;
		same(&narrow, &wide, key, m, len);
		/* the same message again: every block kept */
		if (i % 13 == 0)
			same(&narrow, &wide, key, m, len);
	}
}

static void every_length_from_empty(void **state)
{
	(void)state;
	static struct sip_prefix narrow, wide;
	uint8_t key[16], m[LONGEST];
	randombytes_buf(key, sizeof key);
	randombytes_buf(m, sizeof m);
	sip_prefix_init(&narrow, key, 0);
	sip_prefix_init(&wide, key, 1);
	/* growing by a byte (each message extends the last), then shrinking */
	for (size_t len = 0; len <= LONGEST; len++)
		same(&narrow, &wide, key, m, len);
	for (size_t len = LONGEST + 1; len-- > 0;)
		same(&narrow, &wide, key, m, len);
}

/* A short message between two that share blocks after its own end: the blocks kept are
 * the short one's, never the first's (a hasher that kept the longest length seen would
 * resume the third from the first's states). */
static void blocks_past_a_shorter_message_are_not_kept(void **state)
{
	(void)state;
	static struct sip_prefix narrow, wide;
	uint8_t key[16];
	randombytes_buf(key, sizeof key);
	sip_prefix_init(&narrow, key, 0);
	sip_prefix_init(&wide, key, 1);
	const char *m[] = {"aaaaaaaabbbbbbbbccccccccdddddddd", "zzzzzzzz",
			   "zzzzzzzzbbbbbbbbccccccccdddddddd", "aaaaaaaabbbbbbbbccccccccdddddddd"};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		same(&narrow, &wide, key, (const uint8_t *)m[i], strlen(m[i]));
}

static void the_reference_vectors(void **state)
{
	(void)state;
	/* SipHash-2-4's paper, appendix A: key 00..0f, message 00..0e, whose output
	 * 0xa129ca6149be45e5 is stored little-endian. */
	static const uint8_t expected[8] = {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1};
	static struct sip_prefix s;
	uint8_t key[16], m[15], out[8];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	sip_prefix_init(&s, key, 0);
	sip_prefix_hash(&s, m, sizeof m, out);
	assert_memory_equal(out, expected, 8);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_output_is_libsodiums),
	    cmocka_unit_test(every_length_from_empty),
	    cmocka_unit_test(blocks_past_a_shorter_message_are_not_kept),
	    cmocka_unit_test(the_reference_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
