/* A chunk: up to CHUNK_CASES accepted cases, the unit in which a batch is linked and
 * written, and the rejects found since the previous chunk, written with it (so memory
 * stays flat however many records a batch rejects: a chunk is handed over early once its
 * rejects pass CHUNK_REJECT_BYTES). */
#ifndef WQ_CHUNK_H
#define WQ_CHUNK_H

#include <stddef.h>

#include "common/strbuf.h"
#include "etl/load/batch.h"
#include "etl/load/record.h"

#define CHUNK_CASES	   2000
#define CHUNK_REJECT_BYTES (1 << 20)

struct chunk {
	struct case_rec *cases; /* CHUNK_CASES of them */
	size_t n_cases;
	struct strbuf rejects; /* COPY rows for warehouse.reject */
};

void chunk_init(struct chunk *ch);
/* Frees the chunk's cases (accepted, not written) and its buffers. */
void chunk_free(struct chunk *ch);

/* The temporary tables chunk_write stages through (empty at each transaction's start):
 * once per connection, or per batch transaction. */
int chunk_prepare(struct batch *b, struct wq_error *e);

/* Writes the chunk into the batch's transaction: links its persons to each other and to
 * the warehouse's (etl/load/linkage.h), writes new persons, merges and tokens, the cases (a
 * resubmission replaces its persons; a person it no longer names and nothing else does
 * is removed), victims, offenders and interventions, then the rejects. Empties the chunk.
 * Returns 0, or -1 with e set. */
int chunk_write(struct batch *b, struct chunk *ch, struct wq_error *e);

/* Appends the COPY statement of warehouse.victim's rows as chunk_write sends them: the
 * fixed columns, then every attribute of common/attribute.h. Never fails. */
void chunk_victim_copy(struct strbuf *sql);

#endif
