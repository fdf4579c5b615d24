/* What every fuzz target shares: libFuzzer's entry point, and the context the parsers of
 * outside input run in (the code lists and indicators of config/, a fixed key), made once.
 * A target is built two ways (Makefile): with libFuzzer for `make fuzz` (clang, ASan,
 * UBSan), and with tests/fuzz/replay.c as its main for `make test`, which feeds it every
 * file of its corpus and of its crashes. Both run from the checkout's root. */
#ifndef WQ_FUZZ_H
#define WQ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct codelists;
struct indicators;
struct keys;

/* Loaded once; a failure to load them ends the process (the checkout is broken). */
const struct codelists *fuzz_codelists(void);
const struct indicators *fuzz_indicators(void);
struct keys *fuzz_keys(void);

/* A NUL-terminated copy of the input (malloc'd). */
char *fuzz_text(const uint8_t *data, size_t size);

#endif
