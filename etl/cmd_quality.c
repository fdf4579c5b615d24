/* wiqaya-etl quality [--agency CODE] [--format text|csv]: the quality of each agency's
 * data for its data officer (etl/ops/quality.h). */
#include <stdio.h>
#include <string.h>

#include "etl/commands.h"
#include "etl/ops/quality.h"

int cmd_quality(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *agency = NULL;
	enum quality_format format = QUALITY_TEXT;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--agency") && i + 1 < argc)
			agency = argv[++i];
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 !strcmp(argv[i + 1], "csv"))
			format = QUALITY_CSV, i++;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 !strcmp(argv[i + 1], "text"))
			format = QUALITY_TEXT, i++;
		else
			return cli_usage_error(ctx);
	}
	struct wq_error e;
	if (quality_report(ctx->conn, agency, format, stdout, &e) < 0)
		return cli_fail(&e);
	return 0;
}
