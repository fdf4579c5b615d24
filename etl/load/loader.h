/* The loader: reads a file of cases, validates and pseudonymises them, links persons and
 * merges everything into the warehouse in one transaction per batch, queueing what it
 * changed for the incremental refresh of the analytics (etl/load/refresher.h), which the
 * caller runs after the commit. Rejected records change nothing and are kept (codes and pointers
 * only) in warehouse.reject and, if asked, a reject file. */
#ifndef WQ_LOADER_H
#define WQ_LOADER_H

#include <libpq-fe.h>
#include <stdio.h>

#include "common/codelist.h"
#include "common/config.h"
#include "etl/pseudonym/keys.h"

enum load_format { FORMAT_AUTO, FORMAT_NDJSON, FORMAT_CSV };

struct load_options {
	enum load_format format; /* AUTO: files ending in .csv are CSV, the rest NDJSON */
	int atomic;		 /* reject the whole batch on any error */
	FILE *rejects;		 /* NDJSON of rejected records' errors, or NULL */
	/* What is linked before the batch's cases, in its transaction, under the linkage
	 * lock, at storage-key VERSION (every key up to it derived); STAGED: the
	 * transaction's staging tables (batch.h). The command passes the intake's spooled
	 * submissions (etl/cmd_load.c: spool_link, etl/intake/committer.h), received before
	 * this batch. How many it linked, or -1 with e set. NULL: nothing. */
	long (*first)(PGconn *conn, const struct wq_config *cfg, const struct codelists *lists,
		      struct keys *keys, int version, unsigned *staged, struct wq_error *e);
};

struct load_result {
	long records, accepted, rejected;
	long cases_new, cases_replaced;	 /* of accepted: a replaced case was submitted before */
	long victims_new, offenders_new; /* persons first seen in this batch, by role (one
					    with no identity in a replaced case is not new: it
					    stands for the one the case named before) */
	long offenders_unlinkable;	 /* of offenders_new: no identity to link on */
	long merges;
	long links_vetoed; /* links refused by a cannot-link rule (linkage.h) */
	int already_loaded;
	long retried;	   /* a batch loaded again: the records rejected before, processed again */
	long spool_linked; /* the intake's spooled submissions linked before the batch's cases */
	long interventions_dropped; /* of cases a CSV replaced: a CSV carries none */
	long long batch_id;
};

/* Loads PATH ("-" for stdin). Returns 0 when the batch committed (some records may have
 * been rejected: see r), 1 when nothing was loaded because of rejected records under
 * --atomic, or -1 with e set on a fatal error (nothing loaded). */
int loader_run(PGconn *conn, const struct wq_config *cfg, const struct codelists *lists,
	       struct keys *keys, const char *path, const struct load_options *opt,
	       struct load_result *r, struct wq_error *e);

#endif
