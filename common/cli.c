/* The command line (see cli.h). */
#include "common/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"

static void usage(const struct cli_program *p, FILE *f)
{
	fprintf(f, "usage: %s [-c CONFIG] COMMAND [ARGS]\n\ncommands:\n", p->name);
	for (size_t i = 0; i < p->ncmds; i++) {
		const struct cli_cmd *c = &p->cmds[i];
		if (c->usage[0])
			fprintf(f, "  %-12s %s\n  %-12s   %s\n", c->name, c->usage, "", c->summary);
		else
			fprintf(f, "  %-12s %s\n", c->name, c->summary);
	}
	fprintf(f,
		"\n%s COMMAND --help describes one command. CONFIG defaults to $WIQAYA_CONF, "
		"else config/wiqaya.conf.\n",
		p->name);
}

static void command_usage(const char *program, const struct cli_cmd *c, FILE *f)
{
	fprintf(f, "usage: %s %s%s%s\n\n%s\n", program, c->name, c->usage[0] ? " " : "", c->usage,
		c->summary);
	if (c->help && f == stdout) /* the full help when asked for, not after a mistake */
		fprintf(f, "\n%s", c->help);
}

int cli_usage_error(const struct cli_ctx *ctx)
{
	command_usage(ctx->program, ctx->cmd, stderr);
	return 2;
}

int cli_fail(const struct wq_error *e)
{
	err_print(e, stderr);
	return 2;
}

static int run(const struct cli_program *p, const struct cli_cmd *c, const char *conf, int argc,
	       char **argv)
{
	struct wq_config cfg;
	struct wq_error e;
	struct cli_ctx ctx = {.cfg = &cfg, .cmd = c, .program = p->name};
	int rc = 2;
	if (config_load(&cfg, conf, &e) < 0 &&
	    !((c->needs & CLI_NO_CONFIG) && strcmp(e.code, "S1001") == 0)) {
		config_free(&cfg);
		return cli_fail(&e);
	}
	enum log_level level = LOG_INFO;
	log_level_parse(cfg.log_level, &level);
	log_init(p->name, level);
	if ((c->needs & CLI_KEY) && p->open && p->open(&ctx, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	if (c->needs & (CLI_DB | CLI_DB_ADMIN)) {
		const char *user = c->needs & CLI_DB_ADMIN	       ? cfg.db_admin_user
				   : strcmp(p->db_role, "reader") == 0 ? cfg.db_reader_user
								       : cfg.db_loader_user;
		if (!(ctx.conn = db_connect(&cfg, user, &e))) {
			rc = cli_fail(&e);
			goto out;
		}
	}
	rc = c->run(&ctx, argc, argv);
out:
	PQfinish(ctx.conn);
	if (ctx.app && p->close)
		p->close(&ctx);
	config_free(&cfg);
	return rc;
}

int cli_main(const struct cli_program *p, int argc, char **argv)
{
	const char *conf = getenv("WIQAYA_CONF") ? getenv("WIQAYA_CONF") : "config/wiqaya.conf";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(p, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\n", p->name, p->version);
			return 0;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			conf = argv[++i];
			continue;
		}
		usage(p, stderr);
		return 2;
	}
	if (i >= argc) {
		usage(p, stderr);
		return 2;
	}
	for (size_t k = 0; k < p->ncmds; k++) {
		const struct cli_cmd *c = &p->cmds[k];
		if (strcmp(argv[i], c->name) != 0)
			continue;
		for (int j = i + 1; j < argc; j++)
			if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0) {
				command_usage(p->name, c, stdout);
				return 0;
			}
		return run(p, c, conf, argc - i, argv + i);
	}
	fprintf(stderr, "%s: unknown command \"%s\"\n", p->name, argv[i]);
	usage(p, stderr);
	return 2;
}
