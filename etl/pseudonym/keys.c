/* Key file handling and subkey derivation (see keys.h and docs/privacy.md). */
#include "etl/pseudonym/keys.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/keyfile.h"

static const char kdf_context[crypto_kdf_CONTEXTBYTES] = {'W', 'Q', 'P', 'S', 'E', 'U', 'D', 'O'};
static const char store_context[crypto_kdf_CONTEXTBYTES] = {'W', 'Q', 'S', 'T', 'O', 'R', 'E', '_'};

int keys_generate(const char *path, struct wq_error *e)
{
	return keyfile_write(path, "pseudonym key", e);
}

/* A subkey of the master key, kept with its compressed key block. */
static struct hash_key *subkey(const uint8_t *master, uint64_t id,
			       const char context[crypto_kdf_CONTEXTBYTES])
{
	uint8_t key[KEY_BYTES];
	struct hash_key *hk = sodium_malloc(sizeof *hk);
	if (!hk)
		abort();
	crypto_kdf_derive_from_key(key, KEY_BYTES, id, context, master);
	hash_key_init(hk, key);
	sodium_memzero(key, sizeof key);
	return hk;
}

static void derive(struct keys *k)
{
	for (int p = 1; p < KEY_NPURPOSE; p++)
		k->sub[p] = subkey(k->master, (uint64_t)p, kdf_context);
}

void keys_from_bytes(struct keys *k, const uint8_t master[KEY_BYTES])
{
	memset(k, 0, sizeof *k);
	if (sodium_init() < 0)
		abort();
	k->master = sodium_malloc(KEY_BYTES);
	memcpy(k->master, master, KEY_BYTES);
	derive(k);
}

int keys_load(struct keys *k, const char *path, struct wq_error *e)
{
	memset(k, 0, sizeof *k);
	k->master = keyfile_read(path, "pseudonym key", "wiqaya-etl keygen", e);
	if (!k->master)
		return -1;
	derive(k);
	return 0;
}

void keys_free(struct keys *k)
{
	/* sodium_free wipes the memory before releasing it. */
	sodium_free(k->master);
	for (int p = 0; p < KEY_NPURPOSE; p++)
		sodium_free(k->sub[p]);
	for (int v = 0; v <= KEY_MAX_VERSION; v++)
		sodium_free(k->store[v]);
	memset(k, 0, sizeof *k);
}

const struct hash_key *keys_store(struct keys *k, int version)
{
	if (version < 1 || version > KEY_MAX_VERSION)
		return NULL;
	if (!k->store[version])
		k->store[version] = subkey(k->master, (uint64_t)version, store_context);
	return k->store[version];
}

void keys_fingerprint(const struct keys *k, char out[17])
{
	static const char label[] = "wiqaya public key fingerprint v1";
	uint8_t fp[crypto_generichash_BYTES_MIN];
	crypto_generichash(fp, sizeof fp, (const uint8_t *)label, sizeof label - 1, k->master,
			   KEY_BYTES);
	sodium_bin2hex(out, 17, fp, 8);
}
