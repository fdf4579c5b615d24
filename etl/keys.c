/* Key file handling and subkey derivation (see keys.h and docs/privacy.md). */
#include "etl/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char kdf_context[crypto_kdf_CONTEXTBYTES] = {'W', 'Q', 'P', 'S', 'E', 'U', 'D', 'O'};
static const char store_context[crypto_kdf_CONTEXTBYTES] = {'W', 'Q', 'S', 'T', 'O', 'R', 'E', '_'};

int keys_generate(const char *path, struct wq_error *e)
{
	if (sodium_init() < 0)
		return err_set(e, "K1005", "libsodium could not be initialised");
	uint8_t *key = sodium_malloc(KEY_BYTES);
	int rc = -1;
	if (!key)
		return err_set(e, "K1001", "could not allocate secure memory for the key");
	randombytes_buf(key, KEY_BYTES);

	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (fd < 0) {
		err_set(e, "K1001", "could not create key file \"%s\": %s", path, strerror(errno));
		if (errno == EEXIST)
			err_hint(e,
				 "A key file is never overwritten: losing it makes every stored "
				 "pseudonym unlinkable. Move it away first if you really mean it.");
		goto out;
	}
	ssize_t n = write(fd, key, KEY_BYTES);
	if (n != KEY_BYTES || fsync(fd) != 0) {
		err_set(e, "K1001", "could not write key file \"%s\": %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	sodium_free(key);
	return rc;
}

static void disable_core_dumps(void)
{
	struct rlimit rl = {0, 0};
	setrlimit(RLIMIT_CORE, &rl);
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
	struct stat st;
	memset(k, 0, sizeof *k);
	disable_core_dumps();
	if (sodium_init() < 0)
		return err_set(e, "K1005", "libsodium could not be initialised");

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, "K1003", "could not open key file \"%s\": %s", path, strerror(errno));
		err_hint(e, "Create one with `wiqaya-etl keygen`, or set [keys] pseudonym_key.");
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, "K1003", "key file \"%s\" is not a regular file", path);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		err_set(e, "K1002", "key file \"%s\" has group or world access", path);
		err_detail(
		    e, "Its mode is %04o; the pseudonym key must be readable by its owner only.",
		    (unsigned)(st.st_mode & 07777));
		err_hint(e, "Run: chmod 0400 %s", path);
		return -1;
	}
	k->master = sodium_malloc(KEY_BYTES);
	uint8_t extra;
	ssize_t n = read(fd, k->master, KEY_BYTES);
	ssize_t more = read(fd, &extra, 1);
	close(fd);
	if (n != KEY_BYTES || more != 0) {
		keys_free(k);
		return err_set(e, "K1004", "key file \"%s\" is not a 32-byte key", path);
	}
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
