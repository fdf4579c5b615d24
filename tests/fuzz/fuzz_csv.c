/* The CSV reader (etl/load/csv_reader.c, libcsv): one input is a whole file, its rows put
 * back together into cases, each then validated as the loader does. */
#include <stdio.h>

#include "etl/load/csv_reader.h"
#include "tests/fuzz/fuzz.h"

static int validate(void *arg, json_t *j, const struct rec_errors *pre, long row)
{
	struct rec_context *ctx = arg;
	(void)pre;
	(void)row;
	struct case_rec c;
	struct rec_errors errs = {0};
	if (j && rec_from_json(ctx, j, &c, &errs) == 0)
		rec_free(&c);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_context ctx = {fuzz_codelists(), fuzz_keys(), 1, "DC", 16};
	struct wq_error e;
	if (size == 0)
		return 0; /* fmemopen refuses a buffer of none */
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	csv_read_cases(f, validate, &ctx, &e);
	fclose(f);
	return 0;
}
