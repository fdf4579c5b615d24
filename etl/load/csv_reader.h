/* The flat CSV layout of case-record.md, read with libcsv and turned back into case
 * objects: rows of one case (same agency + case_ref, consecutive) become one object with
 * its victims and offenders, which the same validation as NDJSON then checks. Streams:
 * one case is held at a time. */
#ifndef WQ_CSV_READER_H
#define WQ_CSV_READER_H

#include <jansson.h>
#include <stdio.h>

#include "common/error.h"
#include "common/csv_layout.h"
#include "etl/load/record.h"

/* Called once per case: its object (NULL when the rows could not form one) and the
 * errors found while assembling it (E1002 invalid UTF-8, E3007 rows disagree), with the
 * row number of its first row (the header is row 1). The callee takes no ownership of j
 * and returns 0, or -1 to stop (with its own error set). */
typedef int (*csv_case_fn)(void *ctx, json_t *j, const struct rec_errors *errs, long row);

/* Reads F to the end. Returns 0, or -1 with e set: E1006 an unknown column (naming it),
 * E1001 the file is not well-formed CSV (naming the row), or the callback's failure. */
int csv_read_cases(FILE *f, csv_case_fn fn, void *ctx, struct wq_error *e);

/* The CSV column a JSON pointer of a case object comes from ("/victims/0/sex" ->
 * "victim_sex"). Writes to out (size n). */
void csv_column_of(const char *pointer, char *out, size_t n);

#endif
