/* wiqaya-etl migrate: the numbered migrations of sql/migrations, then the function files
 * of sql/functions that changed, as the admin user (etl/ops/migrate.h). */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "etl/commands.h"
#include "etl/ops/migrate.h"

int cmd_migrate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	struct migrate_result r;
	(void)argv; /* takes no argument */
	if (argc > 1)
		return cli_usage_error(ctx);
	const struct wq_config *cfg = ctx->cfg;
	char *functions;
	if (cfg->functions_dir[0]) {
		functions = xstrdup(cfg->functions_dir);
	} else { /* beside the migrations' folder */
		char *copy = xstrdup(cfg->migrations_dir);
		functions = xasprintf("%s/functions", dirname(copy));
		free(copy);
	}
	struct codelists lists;
	int rc = codelists_load(&lists, cfg->codelists_dir, &e);
	if (rc == 0) {
		rc = migrate_run(ctx->conn, cfg->migrations_dir, functions, &lists, &r, &e);
		codelists_free(&lists);
	}
	free(functions);
	/* The roles exist now: their passwords, whenever the files say (a rotation is a new
	 * file and a migrate). */
	if (rc < 0 || migrate_passwords(ctx->conn, cfg, &e) < 0)
		return cli_fail(&e);
	printf("%d migration%s applied, %d function file%s applied%s\n", r.migrations,
	       r.migrations == 1 ? "" : "s", r.functions, r.functions == 1 ? "" : "s",
	       r.rebuilt ? ", analytics rebuilt" : "");
	return 0;
}
