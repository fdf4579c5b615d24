/* The intake's bounded scan of a request body (etl/intake/json_scan.c), run before any
 * parser sees the body, at the limits the intake ships with. */
#include "etl/intake/json_scan.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_scan_limits lim = {16, 1000, 10000};
	long top = 0;
	json_scan((const char *)data, size, &lim, &top);
	return 0;
}
