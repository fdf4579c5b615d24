/* Canonical encodings, tokens, tiers, record keys and the key file rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "etl/pseudonym/keys.h"
#include "etl/pseudonym/normalise.h"
#include "etl/pseudonym/pseudonym.h"

static struct keys keys_a, keys_b;

static int setup(void **state)
{
	(void)state;
	uint8_t a[KEY_BYTES], b[KEY_BYTES];
	for (int i = 0; i < KEY_BYTES; i++) {
		a[i] = (uint8_t)i;
		b[i] = (uint8_t)(i + 1);
	}
	keys_from_bytes(&keys_a, a);
	keys_from_bytes(&keys_b, b);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	keys_free(&keys_a);
	keys_free(&keys_b);
	return 0;
}

static char *hexof(const void *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	sodium_bin2hex(s, 2 * n + 1, p, n);
	return s;
}

/* "v1" | len "demo" | len birth | len family | len given | len sex, lengths 4-byte BE. */
static void canonical_encoding(void **state)
{
	(void)state;
	struct strbuf sb;
	sb_init(&sb);
	const char *f[] = {"2011-04-09", "HADDAD", "OMAR", "M"};
	pseudo_encode(&sb, "demo", f, 4);
	char *h = hexof(sb.data, sb.len);
	assert_string_equal(h, "7631"
			       "00000004"
			       "64656d6f"
			       "0000000a"
			       "323031312d30342d3039"
			       "00000006"
			       "484144444144"
			       "00000004"
			       "4f4d4152"
			       "00000001"
			       "4d");
	free(h);

	sb_reset(&sb);
	const char *g[] = {"DC", "1098765432"};
	pseudo_encode(&sb, "id", g, 2);
	h = hexof(sb.data, sb.len);
	assert_string_equal(h, "7631"
			       "00000002"
			       "6964"
			       "00000002"
			       "4443"
			       "0000000a"
			       "31303938373635343332");
	free(h);

	/* Field boundaries are part of the encoding. */
	struct strbuf x, y;
	sb_init(&x);
	sb_init(&y);
	const char *ab_c[] = {"AB", "C"}, *a_bc[] = {"A", "BC"};
	pseudo_encode(&x, "t", ab_c, 2);
	pseudo_encode(&y, "t", a_bc, 2);
	assert_true(x.len == y.len && memcmp(x.data, y.data, x.len) != 0);
	sb_free(&x);
	sb_free(&y);
	sb_free(&sb);
}

static int tokens(struct keys *k, int version, const char *given, const char *family,
		  const char *birth, const char *nid, char sex, struct token out[3])
{
	struct identity id = {given, family, birth, nid, NULL, sex};
	struct wq_error e;
	return pseudo_person(k, KEY_LINK, version, &id, "DC", out, &e);
}

static void same_input_same_token(void **state)
{
	(void)state;
	struct token a[3], b[3];
	assert_int_equal(tokens(&keys_a, 1, "Omar", "Haddad", "2008-06-02", "123", 'M', a), 3);
	assert_int_equal(tokens(&keys_a, 1, "Omar", "Haddad", "2008-06-02", "123", 'M', b), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(a[i].kind, b[i].kind);
		assert_memory_equal(a[i].hash, b[i].hash, TOKEN_BYTES);
	}
	assert_int_equal(a[0].kind, TOKEN_ID);
	assert_int_equal(a[1].kind, TOKEN_DEMO);
	assert_int_equal(a[2].kind, TOKEN_DEMO_PH);
	assert_string_equal(a[0].country, "DC");
	/* Variants of spelling and script form link: diacritics, case, hamza, taa marbuta. */
	assert_int_equal(tokens(&keys_a, 1, "ÓMAR", "haddad", "2008-06-02", "1-2-3", 'M', b), 3);
	for (int i = 0; i < 3; i++)
		assert_memory_equal(a[i].hash, b[i].hash, TOKEN_BYTES);
	/* Arabic script: demo only (normalisation folds its spellings; Soundex is Latin). */
	struct token c[3], d[3];
	assert_int_equal(tokens(&keys_a, 1, "فاطمة", "الزهراني", "2011-04-09", NULL, 'F', c), 1);
	assert_int_equal(tokens(&keys_a, 1, "فَاطِمَه", "الزهرانى", "2011-04-09", NULL, 'F', d), 1);
	assert_memory_equal(c[0].hash, d[0].hash, TOKEN_BYTES);
	/* A given-name spelling variant keeps demo_ph only. */
	assert_int_equal(tokens(&keys_a, 1, "Omer", "Haddad", "2008-06-02", NULL, 'M', b), 2);
	assert_memory_not_equal(a[1].hash, b[0].hash, TOKEN_BYTES);
	assert_memory_equal(a[2].hash, b[1].hash, TOKEN_BYTES);
	/* A different name with the same initial does not (Omar / Osama: O560 / O250). */
	assert_int_equal(tokens(&keys_a, 1, "Osama", "Haddad", "2008-06-02", NULL, 'M', b), 2);
	assert_memory_not_equal(a[2].hash, b[1].hash, TOKEN_BYTES);
}

/* Soundex known answers (Knuth, The Art of Computer Programming vol. 3, and the US
 * National Archives' examples), and the spellings of the synthetic country's names. */
static void soundex_known_answers(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"ROBERT", "R163"},	  {"RUPERT", "R163"},	   {"RUBIN", "R150"},
	    {"ASHCRAFT", "A261"}, {"ASHCROFT", "A261"},	   {"TYMCZAK", "T522"},
	    {"PFISTER", "P236"},  {"HONEYMAN", "H555"},	   {"EULER", "E460"},
	    {"GAUSS", "G200"},	  {"HILBERT", "H416"},	   {"KNUTH", "K530"},
	    {"LLOYD", "L300"},	  {"LUKASIEWICZ", "L222"}, {"MOHAMMED", "M530"},
	    {"MUHAMMAD", "M530"}, {"MARIA CLARA", "M624"}, {"A", "A000"}};
	char out[5];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(norm_soundex(cases[i][0], out), 0);
		assert_string_equal(out, cases[i][1]);
	}
	assert_int_equal(norm_soundex("\xd9\x85\xd8\xad", out), -1); /* Arabic */
	assert_int_equal(norm_soundex("", out), -1);
	assert_int_equal(norm_soundex("O3", out), -1);
}

static void other_key_other_token(void **state)
{
	(void)state;
	struct token a[3], b[3];
	tokens(&keys_a, 1, "Omar", "Haddad", "2008-06-02", "123", 'M', a);
	tokens(&keys_b, 1, "Omar", "Haddad", "2008-06-02", "123", 'M', b);
	for (int i = 0; i < 3; i++)
		assert_memory_not_equal(a[i].hash, b[i].hash, TOKEN_BYTES);
	/* Children who harmed are under their own key. */
	struct identity id = {"Omar", "Haddad", "2008-06-02", "123", NULL, 'M'};
	struct wq_error e;
	assert_int_equal(pseudo_person(&keys_a, KEY_CHILD, 1, &id, "DC", b, &e), 3);
	for (int i = 0; i < 3; i++)
		assert_memory_not_equal(a[i].hash, b[i].hash, TOKEN_BYTES);
}

static void boundary_shift_other_token(void **state)
{
	(void)state;
	struct token a[3], b[3];
	assert_int_equal(tokens(&keys_a, 1, "AB", "C", "2008-06-02", NULL, 'M', a), 2);
	assert_int_equal(tokens(&keys_a, 1, "A", "BC", "2008-06-02", NULL, 'M', b), 2);
	assert_memory_not_equal(a[0].hash, b[0].hash, TOKEN_BYTES);
	/* Sex is part of the demographic token. */
	assert_int_equal(tokens(&keys_a, 1, "AB", "C", "2008-06-02", NULL, 'F', b), 2);
	assert_memory_not_equal(a[0].hash, b[0].hash, TOKEN_BYTES);
}

static void unlinkable_and_errors(void **state)
{
	(void)state;
	struct token t[3];
	struct identity none = {NULL, NULL, NULL, NULL, NULL, 'F'};
	struct identity partial = {"Omar", NULL, "2008-06-02", NULL, NULL, 'M'};
	struct identity bad = {"Omar", "\xff", "2008-06-02", NULL, NULL, 'M'};
	struct identity baddate = {"Omar", "Haddad", "2008-02-30", NULL, NULL, 'M'};
	struct wq_error e;
	assert_int_equal(pseudo_person(&keys_a, KEY_LINK, 1, &none, "DC", t, &e), 0);
	assert_int_equal(pseudo_person(&keys_a, KEY_LINK, 1, &partial, "DC", t, &e), 0);
	assert_int_equal(pseudo_person(&keys_a, KEY_LINK, 1, &bad, "DC", t, &e), -1);
	assert_string_equal(e.code, "E1002");
	assert_int_equal(pseudo_person(&keys_a, KEY_LINK, 1, &baddate, "DC", t, &e), -1);
	assert_string_equal(e.code, "E3001");
}

/* Tier 2 at version 2 is tier 2 at version 1 re-hashed: what rotation relies on. */
static void storage_chain(void **state)
{
	(void)state;
	struct token v1[3], v2[3];
	tokens(&keys_a, 1, "Omar", "Haddad", "2008-06-02", "123", 'M', v1);
	tokens(&keys_a, 2, "Omar", "Haddad", "2008-06-02", "123", 'M', v2);
	for (int i = 0; i < 3; i++) {
		assert_memory_not_equal(v1[i].hash, v2[i].hash, TOKEN_BYTES);
		pseudo_rehash(&keys_a, v1[i].hash, 1, 2);
		assert_memory_equal(v1[i].hash, v2[i].hash, TOKEN_BYTES);
	}
}

static void record_keys(void **state)
{
	(void)state;
	uint32_t a = pseudo_record_key(&keys_a, 'p', 42), b = pseudo_record_key(&keys_a, 'p', 42);
	assert_int_equal(a, b);
	assert_int_not_equal(a, pseudo_record_key(&keys_a, 'p', 43));
	assert_int_not_equal(a, pseudo_record_key(&keys_a, 'c', 42));
	assert_int_not_equal(a, pseudo_record_key(&keys_b, 'p', 42));
	/* Spread: 10,000 ids give (nearly) 10,000 distinct keys. */
	int same = 0;
	uint32_t prev = pseudo_record_key(&keys_a, 'p', 0);
	for (int64_t i = 1; i < 10000; i++) {
		uint32_t k = pseudo_record_key(&keys_a, 'p', i);
		same += k == prev;
		prev = k;
	}
	assert_true(same < 3);
}

/* keyed_hash() is libsodium's keyed crypto_generichash with the key block precomputed:
 * equal on every length from 0 to 1,024 bytes (0, 1 and several blocks, the block
 * boundaries), at every alignment, in place, under random keys. */
static void keyed_hash_is_crypto_generichash(void **state)
{
	(void)state;
	static uint8_t msg[1024 + 8];
	uint8_t key[HASH_KEY_BYTES], want[KEYED_HASH_BYTES], got[KEYED_HASH_BYTES];
	struct hash_key hk;
	int compared = 0;
	for (int round = 0; round < 4; round++) {
		randombytes_buf(key, sizeof key);
		randombytes_buf(msg, sizeof msg);
		hash_key_init(&hk, key);
		for (size_t len = 0; len <= 1024; len++) {
			const uint8_t *m = msg + (len + (size_t)round) % 8;
			crypto_generichash(want, sizeof want, m, len, key, sizeof key);
			keyed_hash(&hk, m, len, got);
			assert_memory_equal(want, got, sizeof want);
			compared++;
		}
	}
	/* In place, as the storage-key chain uses it. */
	memcpy(got, want, sizeof got);
	crypto_generichash(want, sizeof want, got, sizeof got, key, sizeof key);
	keyed_hash(&hk, got, sizeof got, got);
	assert_memory_equal(want, got, sizeof want);
	assert_int_equal(compared, 4 * 1025);
}

/* A stored token is H(K_store_1, H(K_link, encoding)) in libsodium's own terms. */
static void tokens_are_two_tier_keyed_blake2b(void **state)
{
	(void)state;
	struct token t[3];
	struct strbuf enc;
	uint8_t t1[TOKEN_BYTES], t2[TOKEN_BYTES];
	assert_int_equal(tokens(&keys_a, 1, "Omar", "Haddad", "2008-06-02", NULL, 'M', t), 2);
	const char *f[] = {"2008-06-02", "HADDAD", "OMAR", "M"};
	sb_init(&enc);
	pseudo_encode(&enc, "demo", f, 4);
	crypto_generichash(t1, sizeof t1, (const uint8_t *)enc.data, enc.len,
			   keys_a.sub[KEY_LINK]->bytes, KEY_BYTES);
	crypto_generichash(t2, sizeof t2, t1, sizeof t1, keys_store(&keys_a, 1)->bytes, KEY_BYTES);
	assert_memory_equal(t[0].hash, t2, TOKEN_BYTES);
	sb_free(&enc);
}

static void key_file_rules(void **state)
{
	(void)state;
	char dir[] = "/tmp/wiqaya-keyXXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/k", dir);
	struct wq_error e;
	struct keys k;

	assert_int_equal(keys_generate(path, &e), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0400);
	assert_int_equal(st.st_size, KEY_BYTES);
	/* Never overwritten, even by root (O_EXCL). */
	assert_int_equal(keys_generate(path, &e), -1);
	assert_string_equal(e.code, "K1001");

	assert_int_equal(keys_load(&k, path, &e), 0);
	char fp1[17], fp2[17];
	keys_fingerprint(&k, fp1);
	keys_free(&k);
	assert_int_equal(strlen(fp1), 16);

	chmod(path, 0644);
	assert_int_equal(keys_load(&k, path, &e), -1);
	assert_string_equal(e.code, "K1002");
	assert_non_null(strstr(e.hint, "chmod 0400"));
	chmod(path, 0440);
	assert_int_equal(keys_load(&k, path, &e), -1);
	chmod(path, 0600);
	assert_int_equal(keys_load(&k, path, &e), 0);
	keys_fingerprint(&k, fp2);
	keys_free(&k);
	assert_string_equal(fp1, fp2);

	/* A file of the wrong size is refused. */
	FILE *f = fopen(path, "ab");
	fputc('x', f);
	fclose(f);
	assert_int_equal(keys_load(&k, path, &e), -1);
	assert_string_equal(e.code, "K1004");
	unlink(path);
	assert_int_equal(keys_load(&k, path, &e), -1);
	assert_string_equal(e.code, "K1003");
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(canonical_encoding),
	    cmocka_unit_test(same_input_same_token),
	    cmocka_unit_test(soundex_known_answers),
	    cmocka_unit_test(other_key_other_token),
	    cmocka_unit_test(boundary_shift_other_token),
	    cmocka_unit_test(unlinkable_and_errors),
	    cmocka_unit_test(storage_chain),
	    cmocka_unit_test(record_keys),
	    cmocka_unit_test(key_file_rules),
	    cmocka_unit_test(keyed_hash_is_crypto_generichash),
	    cmocka_unit_test(tokens_are_two_tier_keyed_blake2b),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
