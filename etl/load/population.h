/* Population denominators (case-record.md): CSV year,region,sex,age,population, plus
 * optional extra dimension columns (disability, migrant_status, ...) that make those
 * dimensions usable in rates. Loaded in one transaction; a row for a key that exists
 * replaces it. */
#ifndef WQ_POPULATION_H
#define WQ_POPULATION_H

#include <libpq-fe.h>
#include <stdio.h>

#include "common/codelist.h"
#include "common/error.h"

struct population_result {
	long rows, loaded, rejected;
};

/* Loads PATH ("-" for stdin). Bad rows are rejected with numbered errors written to
 * rejects (NDJSON, may be NULL); with atomic, any bad row loads nothing. Returns 0 (some
 * rows may have been rejected), 1 nothing loaded because of --atomic, -1 with e set. */
int population_load(PGconn *conn, const struct codelists *lists, const char *path, int atomic,
		    FILE *rejects, struct population_result *r, struct wq_error *e);

/* How population_load_stream loads: atomic, the rejects file, and a step run in the
 * load's transaction just before its commit (the intake's audit row). The population is
 * queued for the incremental refresh (etl/load/refresher.h), which the caller runs. */
struct population_options {
	int atomic;
	FILE *rejects;
	int (*before_commit)(PGconn *conn, const struct population_result *r, void *arg,
			     struct wq_error *e);
	void *arg;
};

/* The same from an open stream (the intake's request body). Returns as population_load,
 * or -2 when F could not be read (nothing loaded). */
int population_load_stream(PGconn *conn, const struct codelists *lists, FILE *f,
			   const struct population_options *o, struct population_result *r,
			   struct wq_error *e);

#endif
