/* The shared context of the fuzz targets (see fuzz.h). */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codelist.h"
#include "common/xalloc.h"
#include "etl/pseudonym/keys.h"
#include "server/indicator.h"

static void die(const struct wq_error *e)
{
	fprintf(stderr, "fuzz: %s: %s (run from the checkout's root)\n", e->code, e->message);
	exit(1);
}

const struct codelists *fuzz_codelists(void)
{
	static struct codelists lists;
	static int loaded;
	struct wq_error e;
	if (!loaded && codelists_load(&lists, "config/codelists", &e) < 0)
		die(&e);
	loaded = 1;
	return &lists;
}

const struct indicators *fuzz_indicators(void)
{
	static struct indicators inds;
	static int loaded;
	struct wq_error e;
	if (!loaded && indicators_load(&inds, "config/indicators.json", &e) < 0)
		die(&e);
	loaded = 1;
	return &inds;
}

struct keys *fuzz_keys(void)
{
	static struct keys keys;
	static int made;
	if (!made) {
		uint8_t master[KEY_BYTES];
		memset(master, 7, sizeof master);
		keys_from_bytes(&keys, master);
		keys_store(&keys, 1);
		made = 1;
	}
	return &keys;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
