/* The server's keys (see keyring.h). */
#include "server/keyring.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit_chain.h"
#include "common/keyfile.h"

static const char context[crypto_kdf_CONTEXTBYTES] = {'W', 'Q', 'S', 'E', 'R', 'V', 'E', 'R'};

/* Subkey ids: never renumber (published noise depends on them). 3 was the audit chain's
 * until the intake joined the chain: its key is now the token key's (audit_chain.h). */
enum { SUB_NOISE = 1, SUB_LEDGER = 2 };

/* Noise function 2's keys are subkeys of the subkeys, in a context of their own. */
static const char sip_context[crypto_kdf_CONTEXTBYTES] = {'W', 'Q', 'N', 'O', 'I', 'S', 'E', '2'};
enum { SIP_FIXED = 1, SIP_FRESH = 2, SIP_IDENTITY = 3, SIP_FLOOR = 4 };

static uint8_t *subkey(const uint8_t *master, size_t len, uint64_t id, const char *ctx)
{
	uint8_t *k = sodium_malloc(len);
	if (!k)
		abort();
	crypto_kdf_derive_from_key(k, len, id, ctx, master);
	return k;
}

static void derive(struct keyring *k, const uint8_t *master)
{
	k->noise = subkey(master, 32, SUB_NOISE, context);
	k->ledger = subkey(master, 32, SUB_LEDGER, context);
	k->sip_fixed = subkey(k->noise, 16, SIP_FIXED, sip_context);
	k->sip_fresh = subkey(k->noise, 16, SIP_FRESH, sip_context);
	k->sip_identity = subkey(k->ledger, 16, SIP_IDENTITY, sip_context);
	k->sip_floor = subkey(k->noise, 16, SIP_FLOOR, sip_context);
}

static void derive_audit(struct keyring *k)
{
	k->audit = sodium_malloc(AUDIT_KEY_BYTES);
	if (!k->audit)
		abort();
	audit_chain_key(k->token, k->audit);
}

int keyring_load(struct keyring *k, const struct wq_config *cfg, struct wq_error *e)
{
	memset(k, 0, sizeof *k);
	uint8_t *master = keyfile_read(cfg->noise_key, "server key", "wiqaya-server keygen", e);
	if (!master)
		return -1;
	derive(k, master);
	keyfile_free(master);
	k->token = keyfile_read(cfg->token_key, "token key", "wiqaya-server keygen", e);
	if (!k->token) {
		keyring_free(k);
		return -1;
	}
	derive_audit(k);
	return 0;
}

void keyring_from_bytes(struct keyring *k, const uint8_t server[32], const uint8_t token[32])
{
	memset(k, 0, sizeof *k);
	if (sodium_init() < 0)
		abort();
	derive(k, server);
	k->token = sodium_malloc(32);
	memcpy(k->token, token, 32);
	derive_audit(k);
}

void keyring_free(struct keyring *k)
{
	sodium_free(k->noise);
	sodium_free(k->ledger);
	sodium_free(k->sip_fixed);
	sodium_free(k->sip_fresh);
	sodium_free(k->sip_identity);
	sodium_free(k->sip_floor);
	sodium_free(k->audit);
	sodium_free(k->token);
	memset(k, 0, sizeof *k);
}
