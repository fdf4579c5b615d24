/* wiqaya-etl load: validate, pseudonymise and load case files, or population files; the
 * summary line of each file, then one incremental refresh of the analytics for all of
 * them, and the exit status of docs/data-dictionary.md. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/codelist.h"
#include "etl/commands.h"
#include "etl/intake/committer.h"
#include "etl/load/loader.h"
#include "etl/load/population.h"
#include "etl/load/refresher.h"

const char load_help[] =
    "Each FILE is one batch: NDJSON (one case a line) or CSV (one row a person), gzip or\n"
    "not; the format is the name's (.csv, .ndjson, .gz set aside) unless --format says.\n"
    "The formats and every field are in docs/data-dictionary.md.\n"
    "\n"
    "Options:\n"
    "  --rejects FILE   write the rejected records' errors to FILE, one NDJSON line each:\n"
    "                   record number, line (or row), and every error's code, field and\n"
    "                   message; never a submitted value\n"
    "  --atomic         any rejected record: nothing of the file loads (exit 2)\n"
    "  --no-refresh     leave the analytics as they are: the changes wait in the refresh\n"
    "                   queue for the intake's refresher or `wiqaya-etl refresh --queued`\n"
    "  --format F       ndjson or csv, whatever the file is called\n"
    "  --population     the files are population tables (CSV year,region,sex,age,population)\n"
    "\n"
    "Loading a file again changes nothing; a file loaded with rejects is loaded again for\n"
    "its rejected records only. A case whose agency and reference were loaded before\n"
    "replaces the earlier one. After the last file, the analytics are brought up to date\n"
    "with what the files changed (an incremental refresh; a full rebuild when they changed\n"
    "much of the warehouse).\n"
    "\n"
    "Progress goes to stderr: a live line on a terminal, a plain line every 10 s otherwise.\n"
    "A summary line on stdout ends each file.\n"
    "\n"
    "Exit status:\n"
    "  0  every record loaded (or the file was loaded before)\n"
    "  1  some records rejected, the rest loaded\n"
    "  2  nothing loaded: every record rejected, anything rejected under --atomic, or an\n"
    "     error that stops the load (S-codes, printed)\n"
    "  3  loaded, but the analytics could not be refreshed: the changes wait in the queue\n"
    "     (run `wiqaya-etl refresh --queued`)\n";

/* The rejects file, its owner's only: its lines hold no submitted value, but say which
 * records of a batch were refused, and why. */
static FILE *create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 && fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL; /* (an old file too) */
	if (fd >= 0 && !f)
		close(fd);
	return f;
}

/* The intake's submissions spooled during an earlier load, linked before the batch's
 * cases (load_options first): all of them, in the batch's transaction. A spool row that
 * cannot be read back fails the load (S3011, naming its batch); a database error names
 * the first batch read. */
static long link_spool(PGconn *conn, const struct wq_config *cfg, const struct codelists *lists,
		       struct keys *keys, int version, unsigned *staged, struct wq_error *e)
{
	long long oldest;
	long linked = spool_link(conn, cfg, lists, keys, version, 1, staged, &oldest, e);
	if (linked < 0 && oldest && strcmp(e->code, "S3011") != 0) {
		char said[sizeof e->detail];
		snprintf(said, sizeof said, "%s", e->detail);
		err_detail(e, "%s%swhile linking the intake's submissions spooled from b-%lld on",
			   said, said[0] ? "; " : "", oldest);
	}
	return linked;
}

/* The summary of one case file; its exit status (0, 1 or 2). */
static int summarise(const char *path, int rc, const struct load_result *r)
{
	if (r->already_loaded && r->rejected) {
		/* Exit 1: the batch still has rejected records. */
		printf("%s: already loaded; its %ld rejected records were rejected again; "
		       "nothing changed\n",
		       path, r->rejected);
		return 1;
	}
	if (r->already_loaded) {
		printf("%s: already loaded; nothing changed\n", path);
		return 0;
	}
	if (rc == 1) {
		printf("%s: %ld records, %ld rejected; nothing loaded (--atomic)\n", path,
		       r->records, r->rejected);
		return 2;
	}
	if (r->spool_linked)
		printf("%s: first, %ld intake submissions answered during an earlier load were "
		       "linked (received before this load)\n",
		       path, r->spool_linked);
	if (r->retried)
		printf("%s: batch %lld was loaded before; its %ld rejected records were "
		       "processed again\n",
		       path, r->batch_id, r->retried);
	printf("%s: batch %lld: %ld records, %ld loaded, %ld rejected; %ld new cases, %ld "
	       "replacing earlier submissions; %ld new victims, %ld new offenders (%ld of them "
	       "unidentified), %ld merges\n",
	       path, r->batch_id, r->records, r->accepted, r->rejected, r->cases_new,
	       r->cases_replaced, r->victims_new, r->offenders_new, r->offenders_unlinkable,
	       r->merges);
	if (r->interventions_dropped)
		printf("%s: the cases it replaced had %ld interventions, which a CSV cannot "
		       "carry: they are gone (send interventions as NDJSON)\n",
		       path, r->interventions_dropped);
	/* Every record rejected is "nothing loaded" (2), as the data dictionary says. */
	return r->rejected && r->accepted == 0 ? 2 : r->rejected ? 1 : 0;
}

/* The analytics brought up to date with the queue, with a line before and after; 3 when
 * the refresh failed after something loaded (what it changed stays queued), else status
 * (2, nothing loaded, says more than a refresh that failed too). */
static int refresh(PGconn *conn, const struct wq_config *cfg, int status)
{
	struct wq_error e;
	long version = 0;
	double t = clock_now();
	fprintf(stderr, "refreshing the analytics\n");
	int rc = refresh_queued(conn, cfg, &version, &e);
	if (rc < 0) {
		err_print(&e, stderr);
		fprintf(stderr, "the analytics were not refreshed: what was loaded waits in the "
				"refresh queue (wiqaya-etl refresh --queued)\n");
		return status < 2 ? 3 : status;
	}
	if (rc == 0)
		printf("analytics: up to date\n");
	else
		printf("analytics: data version %ld, refreshed in %.1f s\n", version,
		       clock_now() - t);
	return status;
}

int cmd_load(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"atomic", no_argument, NULL, 'a'},	    {"rejects", required_argument, NULL, 'r'},
	    {"no-refresh", no_argument, NULL, 'n'}, {"format", required_argument, NULL, 'f'},
	    {"population", no_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
	struct load_options opt = {.first = link_spool};
	int population = 0, refreshing = 1;
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
			opt.rejects = create_private(optarg);
			if (!opt.rejects) {
				err_set(&e, "S3002", "could not create reject file \"%s\"", optarg);
				return cli_fail(&e);
			}
			break;
		case 'n':
			refreshing = 0;
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
	for (int i = optind; i < argc; i++) {
		int rc, s;
		if (population) {
			struct population_result pr;
			rc = population_load(conn, &lists, argv[i], opt.atomic, opt.rejects, &pr,
					     &e);
			if (rc >= 0)
				printf("%s: population: %ld rows, %ld loaded, %ld rejected%s\n",
				       argv[i], pr.rows, pr.loaded, pr.rejected,
				       rc == 1 ? "; nothing loaded (--atomic)" : "");
			/* As for cases: nothing loaded is 2, some rows rejected 1. */
			s = rc == 1 || (rc == 0 && pr.rejected && !pr.loaded) ? 2
			    : rc == 0 && pr.rejected			      ? 1
									      : 0;
		} else {
			struct load_result r;
			rc = loader_run(conn, cfg, &lists, &app->keys, argv[i], &opt, &r, &e);
			s = rc < 0 ? 2 : summarise(argv[i], rc, &r);
		}
		if (rc < 0) {
			err_print(&e, stderr);
			s = 2;
		}
		if (s > status)
			status = s;
		fflush(stdout); /* each file's line before the next one's progress, in any log */
	}
	/* Whatever the files did: a load killed between its commit and its refresh left its
	 * changes queued, and running it again ("already loaded") brings them in. */
	if (refreshing)
		status = refresh(conn, cfg, status);
out:
	if (opt.rejects)
		fclose(opt.rejects);
	codelists_free(&lists);
	return status;
}
