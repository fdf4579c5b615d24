/* wiqaya-etl synth: write a synthetic country with planted truths (docs/synth.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "etl/commands.h"
#include "etl/synth.h"

int cmd_synth(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seed", required_argument, NULL, 's'},	{"cases", required_argument, NULL, 'n'},
	    {"years", required_argument, NULL, 'y'},	{"out", required_argument, NULL, 'o'},
	    {"bad-rate", required_argument, NULL, 'b'}, {NULL, 0, NULL, 0}};
	struct synth_options o = {.seed = 1, .cases = 10000, .year_from = 2015, .year_to = 2025};
	struct wq_error e;
	int c;
	optind = 1;
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
				return cli_usage_error(ctx);
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'b':
			o.bad_rate = strtod(optarg, NULL);
			break;
		default:
			return cli_usage_error(ctx);
		}
	}
	if (!o.out_dir || optind < argc)
		return cli_usage_error(ctx);
	if (synth_run(&o, &e) < 0)
		return cli_fail(&e);
	return 0;
}
