/* wiqaya-etl load: validate, pseudonymise and load case files, or population files; the
 * summary line of each file and the exit status of docs/data-dictionary.md. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/codelist.h"
#include "etl/commands.h"
#include "etl/load/loader.h"
#include "etl/load/population.h"

int cmd_load(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"atomic", no_argument, NULL, 'a'},	    {"rejects", required_argument, NULL, 'r'},
	    {"no-refresh", no_argument, NULL, 'n'}, {"format", required_argument, NULL, 'f'},
	    {"population", no_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
	struct load_options opt = {.rebuild = 1};
	int population = 0;
	struct wq_error e;
	struct codelists lists = {0};
	struct etl_app *app = ctx->app;
	PGconn *conn = ctx->conn;
	const struct wq_config *cfg = ctx->cfg;
	int c, status = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			opt.atomic = 1;
			break;
		case 'r':
			if (opt.rejects)
				fclose(opt.rejects);
			opt.rejects = fopen(optarg, "w");
			if (!opt.rejects) {
				err_set(&e, "S3002", "could not create reject file \"%s\"", optarg);
				return cli_fail(&e);
			}
			break;
		case 'n':
			opt.rebuild = 0;
			break;
		case 'p':
			population = 1;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0) {
				opt.format = FORMAT_CSV;
			} else if (strcmp(optarg, "ndjson") == 0) {
				opt.format = FORMAT_NDJSON;
			} else {
				status = cli_usage_error(ctx);
				goto out;
			}
			break;
		default:
			status = cli_usage_error(ctx);
			goto out;
		}
	}
	if (optind >= argc) {
		status = cli_usage_error(ctx);
		goto out;
	}
	if (codelists_load(&lists, cfg->codelists_dir, &e) < 0) {
		status = cli_fail(&e);
		goto out;
	}
	status = 0;
	for (int i = optind; i < argc && population; i++) {
		struct population_result pr;
		int rc = population_load(conn, &lists, argv[i], opt.atomic, opt.rejects, &pr, &e);
		if (rc < 0) {
			err_print(&e, stderr);
			status = 2;
			continue;
		}
		printf("%s: population: %ld rows, %ld loaded, %ld rejected%s\n", argv[i], pr.rows,
		       pr.loaded, pr.rejected, rc == 1 ? "; nothing loaded (--atomic)" : "");
		if (rc == 1)
			status = 2;
		else if (pr.rejected && status == 0)
			status = 1;
	}
	for (int i = optind; i < argc && !population; i++) {
		struct load_result r;
		int rc = loader_run(conn, cfg, &lists, &app->keys, argv[i], &opt, &r, &e);
		if (rc < 0) {
			err_print(&e, stderr);
			status = 2;
			continue;
		}
		if (r.already_loaded && r.rejected) {
			/* Exit 1: the batch still has rejected records. */
			printf("%s: already loaded; its %ld rejected records were rejected again; "
			       "nothing changed\n",
			       argv[i], r.rejected);
			if (status == 0)
				status = 1;
			continue;
		}
		if (r.already_loaded) {
			printf("%s: already loaded; nothing changed\n", argv[i]);
			continue;
		}
		if (rc == 1) {
			printf("%s: %ld records, %ld rejected; nothing loaded (--atomic)\n",
			       argv[i], r.records, r.rejected);
			status = 2;
			continue;
		}
		if (r.retried)
			printf("%s: batch %lld was loaded before; its %ld rejected records were "
			       "processed again\n",
			       argv[i], r.batch_id, r.retried);
		printf("%s: batch %lld: %ld records, %ld loaded, %ld rejected, %ld new victims, "
		       "%ld new offenders (%ld of them unidentified), %ld merges, data version "
		       "%ld\n",
		       argv[i], r.batch_id, r.records, r.accepted, r.rejected, r.victims_new,
		       r.offenders_new, r.offenders_unlinkable, r.merges, r.data_version);
		/* Every record rejected is "nothing loaded" (2), as the data dictionary says. */
		if (r.rejected && r.accepted == 0)
			status = 2;
		else if (r.rejected && status == 0)
			status = 1;
	}
out:
	if (opt.rejects)
		fclose(opt.rejects);
	codelists_free(&lists);
	return status;
}
