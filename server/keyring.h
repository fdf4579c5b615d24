/* The server's secrets: its own key ([keys] noise_key), from which the noise PRF and the
 * ledger's cell identities each get a subkey (crypto_kdf), and the token key ([keys]
 * token_key) it shares with the intake, from which the audit chain's key comes. No pseudonym key:
 * the server never holds one. All in sodium_malloc memory, wiped on free. With them, the
 * noise function the key publishes with (noise.h), which the database records. */
#ifndef WQ_KEYRING_H
#define WQ_KEYRING_H

#include <stdint.h>

#include "common/config.h"
#include "common/error.h"

struct keyring {
	uint8_t *noise, *ledger; /* subkeys of the server key */
	uint8_t *token, *audit;	 /* the token key and the audit chain's (audit_chain.h) */
	/* Noise function 2's SipHash keys (noise.h), 16 bytes each: the fixed part's and the
	 * fresh part's of the noise subkey, the identities' of the ledger's; and the floor's
	 * raise (noise.h), under every function. */
	uint8_t *sip_fixed, *sip_fresh, *sip_identity, *sip_floor;
	/* The noise function (NOISE_PRF_*): 0 until noise_rules_check has read the one the
	 * database records for the key; no noise is drawn before. Written once, atomically. */
	int noise_prf;
};

/* Loads both key files (K100x errors from common/keyfile.h). */
int keyring_load(struct keyring *k, const struct wq_config *cfg, struct wq_error *e);
/* Derives the subkeys from raw bytes (tests). */
void keyring_from_bytes(struct keyring *k, const uint8_t server[32], const uint8_t token[32]);
void keyring_free(struct keyring *k);

#endif
