/* The NDJSON reader and the case validator: one input is one line of a batch file, parsed
 * as the loader parses it (jansson, duplicate keys rejected) and validated with its
 * identifiers pseudonymised (etl/load/record.c). */
#include <jansson.h>

#include "etl/load/record.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_context ctx = {fuzz_codelists(), fuzz_keys(), 1, "DC", 16};
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return 0;
	struct case_rec c;
	struct rec_errors errs = {0};
	if (rec_from_json(&ctx, j, &c, &errs) == 0)
		rec_free(&c);
	json_decref(j);
	return 0;
}
