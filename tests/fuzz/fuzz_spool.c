/* The intake spool's decoder (etl/intake/spool.c): one input is one warehouse.intake_spool
 * row's records, which someone with database access could have written. What it accepts
 * must encode again to something it accepts. */
#include <stdlib.h>

#include "common/strbuf.h"
#include "etl/intake/spool.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct case_rec *cases;
	size_t n;
	if (spool_decode(fuzz_codelists(), data, size, &cases, &n) < 0)
		return 0;
	struct strbuf sb;
	sb_init(&sb);
	spool_encode(&sb, cases, n);
	struct case_rec *again;
	size_t m;
	if (spool_decode(fuzz_codelists(), (const unsigned char *)sb.data, sb.len, &again, &m) <
		0 ||
	    m != n)
		abort();
	for (size_t i = 0; i < n; i++) {
		rec_free(&cases[i]);
		rec_free(&again[i]);
	}
	free(cases);
	free(again);
	sb_free(&sb);
	return 0;
}
