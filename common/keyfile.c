/* Key files (see keyfile.h). */
#include "common/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int keyfile_write(const char *path, const char *what, struct wq_error *e)
{
	if (sodium_init() < 0)
		return err_set(e, "K1005", "libsodium could not be initialised");
	uint8_t *key = sodium_malloc(KEYFILE_BYTES);
	int rc = -1;
	if (!key)
		return err_set(e, "K1001", "could not allocate secure memory for the key");
	randombytes_buf(key, KEYFILE_BYTES);

	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (fd < 0) {
		err_set(e, "K1001", "could not create key file \"%s\": %s", path, strerror(errno));
		if (errno == EEXIST)
			err_hint(e,
				 "A key file is never overwritten: losing the %s breaks what was "
				 "made with it. Move it away first if you really mean it.",
				 what);
		goto out;
	}
	ssize_t n = write(fd, key, KEYFILE_BYTES);
	if (n != KEYFILE_BYTES || fsync(fd) != 0) {
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

uint8_t *keyfile_read(const char *path, const char *what, const char *creator, struct wq_error *e)
{
	struct stat st;
	struct rlimit rl = {0, 0};
	/* A core dump would hold the key, and the identifiers and tokens in the heap: none,
	 * also where the host pipes dumps to a handler (which ignores a limit of 0). */
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (sodium_init() < 0) {
		err_set(e, "K1005", "libsodium could not be initialised");
		return NULL;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, "K1003", "could not open key file \"%s\": %s", path, strerror(errno));
		err_hint(e, "Create one with `%s`.", creator);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		err_set(e, "K1003", "key file \"%s\" is not a regular file", path);
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		err_set(e, "K1002", "key file \"%s\" has group or world access", path);
		err_detail(e, "Its mode is %04o; the %s must be readable by its owner only.",
			   (unsigned)(st.st_mode & 07777), what);
		err_hint(e, "Run: chmod 0400 %s", path);
		return NULL;
	}
	uint8_t *key = sodium_malloc(KEYFILE_BYTES), extra;
	ssize_t n = read(fd, key, KEYFILE_BYTES);
	ssize_t more = read(fd, &extra, 1);
	close(fd);
	if (n != KEYFILE_BYTES || more != 0) {
		sodium_free(key);
		err_set(e, "K1004", "key file \"%s\" is not a 32-byte key", path);
		return NULL;
	}
	return key;
}

void keyfile_free(uint8_t *key)
{
	sodium_free(key); /* wipes before releasing */
}
