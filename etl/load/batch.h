/* A batch being loaded: the state the loader, its chunks and its rejects share (one
 * transaction on one connection), the batch key that makes loading the same input twice a
 * no-op, the records a batch loaded again must retry, and the rejects. */
#ifndef WQ_BATCH_H
#define WQ_BATCH_H

#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>

#include "common/config.h"
#include "common/strbuf.h"
#include "etl/pseudonym/keys.h"
#include "etl/load/loader.h"
#include "etl/load/record.h"

struct batch {
	PGconn *conn;
	const struct wq_config *cfg;
	struct keys *keys;
	const struct load_options *opt;
	struct load_result *r;
	struct rec_context ctx;
	long long id;
	char id_text[24];
	int csv;	      /* pointers are reported as CSV columns */
	pthread_mutex_t lock; /* rejects and counters: the reader and the writer both reject */
	int over_limit;	      /* rejects passed [etl] max_rejects or max_reject_share */
	long *retry;	      /* a batch loaded again: the record numbers rejected before */
	size_t n_retry;
	unsigned staged; /* the staging tables this transaction has used (etl/load/chunk.c) */
};

enum { STAGE_MERGE = 1, STAGE_GONE = 2 };

/* The batch key of a regular file: a keyed hash (KEY_BATCH) of its records, inflated when
 * the file is gzip, so a batch is the same whether it came compressed or not. */
int batch_key_of_file(struct keys *k, const char *path, uint8_t out[TOKEN_BYTES],
		      struct wq_error *e);

/* A FILE that hashes every byte read through it: the key of what was loaded. */
struct batch_key_reader {
	FILE *under;
	crypto_generichash_state state;
	long long bytes;
	int failed;
};
FILE *batch_key_reader_open(struct batch_key_reader *h, FILE *under, struct keys *k);
void batch_key_reader_final(struct batch_key_reader *h, uint8_t out[TOKEN_BYTES]);

/* The batch stored under tier-2 KEY: 1 with *id and *rejected set, 0 when there is none,
 * -1 on error. */
int batch_find(PGconn *conn, const uint8_t key[TOKEN_BYTES], long long *id, long *rejected,
	       struct wq_error *e);

/* A batch loaded again for the records it rejected: reads their numbers and removes their
 * reject rows (the records rejected again are written anew). */
int batch_retry_prepare(struct batch *b, struct wq_error *e);

/* Whether record RECORD_NO is to be processed: always, except in a retry. */
int batch_wants(const struct batch *b, long record_no);

/* Rejects a record: its errors as COPY rows for warehouse.reject into ROWS (written with
 * the chunk they are held with), the --rejects file, and the counters. */
void batch_reject(struct batch *b, struct strbuf *rows, long record_no, long line,
		  const struct rec_errors *errs);

/* 0, or -1 with e set (S3004) when the rejects have passed the configured limits. */
int batch_check_limits(struct batch *b, struct wq_error *e);

/* Writes the reject ROWS and empties them. */
int batch_write_rejects(struct batch *b, struct strbuf *rows, struct wq_error *e);

#endif
