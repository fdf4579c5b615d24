/* The main of a fuzz target as `make test` builds it: each argument is a file or a folder
 * of files (a corpus, the crashes found), and each file is one input. It prints the count
 * as a TAP line; a crash, or a sanitizer's report under `make asan`, ends it otherwise. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xalloc.h"
#include "tests/fuzz/fuzz.h"

static long replayed;

static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t cap = 0, len = 0, got;
	uint8_t *buf = NULL;
	xgrow((void **)&buf, &cap, 1 << 16, 1);
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		xgrow((void **)&buf, &cap, len + 1, 1);
	}
	fclose(f);
	/* An exact-size copy, so that ASan sees a read past the input's end. */
	uint8_t *in = xmalloc(len ? len : 1);
	memcpy(in, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(in, len);
	free(in);
	replayed++;
}

static void replay(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return; /* a target without crashes has no crash folder */
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		replay(sub);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		replay(argv[i]);
	printf("ok 1 - %s: %ld inputs replayed without a crash\n", argv[0], replayed);
	printf("1..1\n");
	return 0;
}
