/* wiqaya-synth: writes a synthetic country with planted truths (docs/synth.md). A program
 * of its own, apart from wiqaya-etl: the 1,700 lines of the generator never run in the
 * process that holds the pseudonymisation key, and it links no key, database or HTTP
 * code (tests/integration/foundation.sh checks with ldd and nm). Exit status: 0, or 2 for
 * bad usage or a failure (printed). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/synth.h"

#define VERSION "0.1.0"
#define USAGE                                                                                      \
	"usage: wiqaya-synth [--seed S] [--cases N] [--years FROM-TO] [--bad-rate R] --out DIR\n"

static int usage(FILE *to, int status)
{
	fputs(USAGE, to);
	if (status == 0)
		fputs("Writes a synthetic country with planted truths into DIR: cases.ndjson,\n"
		      "cases.csv, population*.csv, truth.json, linkage.csv (docs/synth.md).\n"
		      "No database, no key.\n",
		      to);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seed", required_argument, NULL, 's'},	{"cases", required_argument, NULL, 'n'},
	    {"years", required_argument, NULL, 'y'},	{"out", required_argument, NULL, 'o'},
	    {"bad-rate", required_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},	{NULL, 0, NULL, 0}};
	struct synth_options o = {.seed = 1, .cases = 10000, .year_from = 2015, .year_to = 2025};
	struct wq_error e;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.seed = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			o.cases = strtol(optarg, NULL, 10);
			break;
		case 'y':
			if (sscanf(optarg, "%d-%d", &o.year_from, &o.year_to) != 2)
				return usage(stderr, 2);
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'b':
			o.bad_rate = strtod(optarg, NULL);
			break;
		case 'h':
			return usage(stdout, 0);
		case 'V':
			printf("wiqaya-synth %s\n", VERSION);
			return 0;
		default:
			return usage(stderr, 2);
		}
	}
	if (!o.out_dir || optind < argc)
		return usage(stderr, 2);
	if (synth_run(&o, &e) < 0) {
		err_print(&e, stderr);
		return 2;
	}
	return 0;
}
