/* Identifier normalisation (etl/pseudonym/normalise.c: ICU, utf8proc): names, national
 * ids and dates, each from the same input. */
#include <stdlib.h>

#include "etl/pseudonym/normalise.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wq_error e;
	char out[512], sx[5];
	char *text = fuzz_text(data, size);
	if (norm_name((const char *)data, size, out, sizeof out, &e) == 0)
		norm_soundex(out, sx);
	norm_national_id((const char *)data, size, out, sizeof out, &e);
	int y, m, d;
	norm_date(text, 1, &y, &m, &d, &e);
	norm_sex(text);
	free(text);
	return 0;
}
