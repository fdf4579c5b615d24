/* Group commit for the intake (docs/intake.md): requests validate and pseudonymise their
 * records on their own threads, then hand them here; one thread, on one connection, takes
 * every submission waiting (up to [intake] group_cases cases), links and writes them in
 * one transaction under the linkage lock (the batch loader's chunk code: one path), with
 * their batch rows, rejects, refresh queue and audit rows, and answers each only after
 * that COMMIT. Concurrent requests thus share one lock wait and one commit instead of
 * queueing for one each. The idempotency key is checked again inside the transaction,
 * under the spool's order lock that every group takes (spool.h), so that two concurrent requests
 * with one key load once. While a batch load holds the linkage lock, groups are spooled
 * instead and linked after it (etl/intake/spool.h). */
#ifndef WQ_COMMITTER_H
#define WQ_COMMITTER_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "etl/pseudonym/keys.h"
#include "etl/load/record.h"

enum outcome {
	OUTCOME_PENDING,
	OUTCOME_COMMITTED, /* the submission's own response stands */
	OUTCOME_REPLAYED,  /* its key was used before with the same body: the stored answer */
	OUTCOME_CONFLICT,  /* its key was used before with another body */
	OUTCOME_WITHDRAWN, /* its key was used before with the same body, whose batch was
			      withdrawn: withdrawn_batch */
	OUTCOME_FAILED,	   /* nothing committed: error says why (503, retry with the key) */
};

/* One request's records, as the committer takes them. */
struct submission {
	/* Set by the request. */
	char agency[32];
	int has_key;
	uint8_t key_hash[32], body_hash[32]; /* keyed hashes of Idempotency-Key, of the body */
	long long batch_id;		     /* drawn by the request */
	int key_version;		     /* the storage key its tokens were made under */
	struct case_rec *cases;		     /* accepted records; the committer frees them */
	size_t n_cases;
	long records, accepted, rejected; /* accepted: loaded if it commits (0 under atomic) */
	struct strbuf rejects;		  /* COPY rows of warehouse.reject */
	unsigned status;		  /* 200 or 422 */
	char *response;			  /* the answer, stored with the batch (no record values) */
	/* Set by the committer. */
	enum outcome outcome;
	unsigned stored_status;	   /* OUTCOME_REPLAYED: the first answer */
	char *stored_response;	   /* malloc'd */
	long long withdrawn_batch; /* OUTCOME_WITHDRAWN */
	struct wq_error error;	   /* OUTCOME_FAILED */
	/* Called by the committer's thread once the outcome is set (the request answers). */
	void (*done)(struct submission *s);
	struct submission *next;
};

struct refresher;
struct committer;

/* Starts the committer thread (its own connection as the loader, synchronous commit). */
struct committer *committer_start(const struct wq_config *cfg, const struct codelists *lists,
				  struct keys *keys, const uint8_t *audit_key,
				  struct refresher *refresher);
void committer_stop(struct committer *c);

/* The storage-key version the records must be hashed under, known once the committer
 * has reached the database (0 before). Its key is derived before it is published. */
int committer_key_version(struct committer *c);

/* Hands s over; s->done(s) is called from the committer's thread with its outcome. */
void committer_submit(struct committer *c, struct submission *s);

/* Links spooled submissions (etl/intake/spool.h), oldest first, in the caller's
 * transaction, which holds the linkage lock, storage key VERSION read under it: about a
 * group's worth ([intake] group_cases cases) when ALL is 0, else every one spooled
 * when it begins (one committed while it links is left for later); each group
 * written as the committer writes its own (a later submission of a case replaces the
 * earlier). The committer drains the spool with it, and a batch load runs it before its
 * own cases. Every key up to VERSION is derived already (keys_store). STAGED: the
 * transaction's staging tables (struct batch's). Returns how many submissions it linked,
 * or -1 with e set and *OLDEST the first batch it read (0 if none). */
long spool_link(PGconn *conn, const struct wq_config *cfg, const struct codelists *lists,
		struct keys *keys, int version, int all, unsigned *staged, long long *oldest,
		struct wq_error *e);

#endif
