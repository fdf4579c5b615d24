/* 32-byte key files: written once from libsodium's generator with mode 0400 (never over an
 * existing file), read only when no one but the owner may read them, held in
 * sodium_malloc memory. The pseudonym key (wiqaya-etl), the server's key and the token
 * key all live in such files. */
#ifndef WQ_KEYFILE_H
#define WQ_KEYFILE_H

#include <stdint.h>

#include "common/error.h"

#define KEYFILE_BYTES 32

/* Writes a new random key to PATH. Returns 0, or -1 with e set (K1001); what names the
 * key in messages ("pseudonym key"). */
int keyfile_write(const char *path, const char *what, struct wq_error *e);

/* Reads PATH into a new sodium_malloc'd buffer (free with keyfile_free). Refuses a file
 * that group or others may access (K1002), a missing one (K1003, hint: the command
 * creating it), or one that is not exactly 32 bytes (K1004). Disables core dumps. */
uint8_t *keyfile_read(const char *path, const char *what, const char *creator, struct wq_error *e);
void keyfile_free(uint8_t *key);

#endif
