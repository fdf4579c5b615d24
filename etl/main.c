/* wiqaya-etl: the only program that holds the pseudonymisation key. Subcommands are rows
 * of a const table (as tmux's cmd_entry), one function each. Exit status: 0 success,
 * 1 some records rejected, 2 nothing done (fatal error or bad usage). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/db.h"
#include "common/log.h"
#include "etl/keys.h"
#include "etl/loader.h"
#include "etl/migrate.h"
#include "etl/population.h"
#include "etl/rekey.h"
#include "etl/retention.h"
#include "etl/synth.h"

#define VERSION "0.1.0"

struct cmd {
	const char *name, *usage, *summary;
	int (*exec)(struct wq_config *cfg, int argc, char **argv);
};

static int fail(const struct wq_error *e)
{
	err_print(e, stderr);
	return 2;
}

static int cmd_keygen(struct wq_config *cfg, int argc, char **argv)
{
	struct wq_error e;
	const char *path = argc > 1 ? argv[1] : cfg->pseudonym_key;
	if (keys_generate(path, &e) < 0)
		return fail(&e);
	printf("wrote a new key to %s (mode 0400)\n", path);
	return 0;
}

static int cmd_migrate(struct wq_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct wq_error e;
	PGconn *conn = db_connect(cfg, cfg->db_admin_user, &e);
	if (!conn)
		return fail(&e);
	int n = migrate_run(conn, cfg->migrations_dir, &e);
	PQfinish(conn);
	if (n < 0)
		return fail(&e);
	printf("%d migration%s applied\n", n, n == 1 ? "" : "s");
	return 0;
}

static int cmd_fingerprint(struct wq_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct wq_error e;
	struct keys k;
	char fp[17];
	if (keys_load(&k, cfg->pseudonym_key, &e) < 0)
		return fail(&e);
	keys_fingerprint(&k, fp);
	keys_free(&k);
	printf("%s\n", fp);
	return 0;
}

static int cmd_load(struct wq_config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"atomic", no_argument, NULL, 'a'},	    {"rejects", required_argument, NULL, 'r'},
	    {"no-refresh", no_argument, NULL, 'n'}, {"format", required_argument, NULL, 'f'},
	    {"population", no_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
	struct load_options opt = {.rebuild = 1};
	int population = 0;
	struct wq_error e;
	struct codelists lists = {0};
	struct keys keys = {0};
	PGconn *conn = NULL;
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
				return fail(&e);
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
				fprintf(stderr, "wiqaya-etl load: --format is ndjson or csv\n");
				goto out;
			}
			break;
		default:
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: wiqaya-etl load [--atomic] [--rejects FILE] FILE...\n");
		goto out;
	}
	if (keys_load(&keys, cfg->pseudonym_key, &e) < 0 ||
	    codelists_load(&lists, cfg->codelists_dir, &e) < 0 ||
	    !(conn = db_connect(cfg, cfg->db_loader_user, &e))) {
		status = fail(&e);
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
		int rc = loader_run(conn, cfg, &lists, &keys, argv[i], &opt, &r, &e);
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
	PQfinish(conn);
	codelists_free(&lists);
	keys_free(&keys);
	return status;
}

static int cmd_refresh(struct wq_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct wq_error e;
	PGconn *conn = db_connect(cfg, cfg->db_loader_user, &e);
	if (!conn)
		return fail(&e);
	PGresult *res = db_exec(conn, &e, "SELECT warehouse.rebuild_analytics()", 0, NULL);
	if (!res) {
		PQfinish(conn);
		return fail(&e);
	}
	printf("analytics rebuilt, data version %s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return 0;
}

static int cmd_rekey(struct wq_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct wq_error e;
	struct keys keys;
	long rows;
	if (keys_load(&keys, cfg->pseudonym_key, &e) < 0)
		return fail(&e);
	PGconn *conn = db_connect(cfg, cfg->db_loader_user, &e);
	int v = conn ? rekey_run(conn, &keys, &rows, &e) : -1;
	PQfinish(conn);
	keys_free(&keys);
	if (v < 0)
		return fail(&e);
	printf("storage key rotated to version %d: %ld stored values re-hashed\n", v, rows);
	return 0;
}

static int cmd_retention(struct wq_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct wq_error e;
	PGconn *conn = db_connect(cfg, cfg->db_loader_user, &e);
	long n = conn ? retention_run(conn, cfg->child_retention_months, &e) : -1;
	PQfinish(conn);
	if (n < 0)
		return fail(&e);
	printf("%ld children who harmed unlinked (retention %d months)\n", n,
	       cfg->child_retention_months);
	return 0;
}

static int cmd_synth(struct wq_config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seed", required_argument, NULL, 's'},	{"cases", required_argument, NULL, 'n'},
	    {"years", required_argument, NULL, 'y'},	{"out", required_argument, NULL, 'o'},
	    {"bad-rate", required_argument, NULL, 'b'}, {NULL, 0, NULL, 0}};
	struct synth_options o = {.seed = 1, .cases = 10000, .year_from = 2015, .year_to = 2025};
	struct wq_error e;
	int c;
	(void)cfg;
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
			if (sscanf(optarg, "%d-%d", &o.year_from, &o.year_to) != 2) {
				fprintf(stderr, "wiqaya-etl synth: --years takes FROM-TO\n");
				return 2;
			}
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'b':
			o.bad_rate = strtod(optarg, NULL);
			break;
		default:
			return 2;
		}
	}
	if (!o.out_dir) {
		fprintf(stderr, "usage: wiqaya-etl synth [--seed S] [--cases N] [--years FROM-TO] "
				"[--bad-rate R] --out DIR\n");
		return 2;
	}
	if (synth_run(&o, &e) < 0)
		return fail(&e);
	return 0;
}

static const struct cmd cmds[] = {
    {"keygen", "[FILE]", "write a new pseudonymisation key (never overwrites)", cmd_keygen},
    {"fingerprint", "", "print the key's public fingerprint", cmd_fingerprint},
    {"migrate", "", "apply the database migrations", cmd_migrate},
    {"load", "[--atomic] [--rejects FILE] [--format ndjson|csv] [--population] FILE...",
     "validate, pseudonymise and load case files (NDJSON or CSV, gzip or not; - for stdin)",
     cmd_load},
    {"refresh", "", "rebuild the analytics tables", cmd_refresh},
    {"rekey", "", "rotate the storage key over every stored pseudonym", cmd_rekey},
    {"retention", "", "unlink children who harmed after [etl] child_retention_months",
     cmd_retention},
    {"synth", "[--seed S] [--cases N] [--years FROM-TO] [--bad-rate R] --out DIR",
     "write a synthetic country with planted truths (no database needed)", cmd_synth},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: wiqaya-etl [-c CONFIG] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (cmds[i].usage[0])
			fprintf(f, "  %-12s %s\n  %-12s   %s\n", cmds[i].name, cmds[i].usage, "",
				cmds[i].summary);
		else
			fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	}
}

int main(int argc, char **argv)
{
	const char *conf = getenv("WIQAYA_CONF") ? getenv("WIQAYA_CONF") : "config/wiqaya.conf";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("wiqaya-etl %s\n", VERSION);
			return 0;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			conf = argv[++i];
			continue;
		}
		usage(stderr);
		return 2;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
		if (strcmp(argv[i], cmds[k].name) != 0)
			continue;
		struct wq_config cfg;
		struct wq_error e;
		if (config_load(&cfg, conf, &e) < 0) {
			/* synth needs no configuration: without a file it runs on defaults. */
			if (!(cmds[k].exec == cmd_synth && strcmp(e.code, "S1001") == 0)) {
				config_free(&cfg);
				return fail(&e);
			}
		}
		enum log_level level = LOG_INFO;
		log_level_parse(cfg.log_level, &level);
		log_init("wiqaya-etl", level);
		int rc = cmds[k].exec(&cfg, argc - i, argv + i);
		config_free(&cfg);
		return rc;
	}
	fprintf(stderr, "wiqaya-etl: unknown command \"%s\"\n", argv[i]);
	usage(stderr);
	return 2;
}
