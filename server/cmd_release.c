/* wiqaya-server release create|list|show|publish|drop: official releases (server/release.h,
 * docs/releases.md), an admin's commands on the server's host. create measures the
 * published product over the years every agency approved and prints the draft's id; publish
 * makes it the release every published answer comes from; show prints a release whole
 * (JSON, as GET /api/v1/releases/{id} gives it, drafts too). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/commands.h"
#include "server/release.h"

static void print(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2));
	puts(text);
	free(text);
	json_decref(j);
}

/* create --if-due (the daily wiqaya-release.timer): whether today (UTC) is a day of
 * [disclosure] release_calendar on which no release was made yet; says why not on stdout.
 * -1 with e set when the releases cannot be read. */
static int due_today(const struct cli_ctx *ctx, struct wq_error *e)
{
	char today[11];
	time_t now = time(NULL);
	struct tm tm;
	strftime(today, sizeof today, "%Y-%m-%d", gmtime_r(&now, &tm));
	const char *cal = ctx->cfg->release_calendar;
	int planned = 0;
	for (const char *p = strstr(cal, today); p && !planned; p = strstr(p + 1, today))
		planned = (p == cal || strchr(" ,", p[-1])) && strchr(" ,", p[10]);
	if (!planned) {
		printf(
		    "no release is due today (%s is not a day of [disclosure] release_calendar)\n",
		    today);
		return 0;
	}
	json_t *list = release_list(ctx->conn, 1, e);
	if (!list)
		return -1;
	size_t i;
	json_t *r;
	int made = 0;
	json_array_foreach (list, i, r) {
		const char *created = json_string_value(json_object_get(r, "created"));
		if (!made && created && strncmp(created, today, 10) == 0) {
			made = (int)json_integer_value(json_object_get(r, "id"));
			printf("release %d was made today already\n", made);
		}
	}
	json_decref(list);
	return !made;
}

static int id_of(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);
	return *end || end == text || n <= 0 || n > 1000000 ? -1 : (int)n;
}

int srv_release(struct cli_ctx *ctx, int argc, char **argv)
{
	struct server_app *app = ctx->app;
	struct wq_error e;
	if (argc < 2)
		return cli_usage_error(ctx);
	const char *what = argv[1];
	if (!strcmp(what, "list") && argc == 2) {
		json_t *list = release_list(ctx->conn, 1, &e);
		if (!list)
			return cli_fail(&e);
		size_t i;
		json_t *r;
		printf("id\tstatus\tcreated\tpublished\tdata_version\tyears\tnote\n");
		json_array_foreach (list, i, r) {
			json_t *years = json_object_get(r, "years");
			const char *pub = json_string_value(json_object_get(r, "published"));
			printf("%d\t%s\t%s\t%s\t%lld\t%d-%d\t%s\n",
			       (int)json_integer_value(json_object_get(r, "id")),
			       json_string_value(json_object_get(r, "status")),
			       json_string_value(json_object_get(r, "created")), pub ? pub : "",
			       (long long)json_integer_value(json_object_get(r, "data_version")),
			       (int)json_integer_value(json_array_get(years, 0)),
			       (int)json_integer_value(json_array_get(years, 1)),
			       json_string_value(json_object_get(r, "note")));
		}
		json_decref(list);
		return 0;
	}
	if (!strcmp(what, "show") && argc == 3) {
		int id = id_of(argv[2]);
		if (id < 0)
			return cli_usage_error(ctx);
		json_t *r = release_get(ctx->conn, id, 1, &e);
		if (!r)
			return cli_fail(&e);
		print(r);
		return 0;
	}
	const char *note = NULL;
	int id = -1, if_due = 0;
	if (!strcmp(what, "create")) {
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--if-due"))
				if_due = 1;
			else if (strcmp(argv[i], "--note") != 0 || i + 1 >= argc)
				return cli_usage_error(ctx);
			else
				note = argv[++i];
		}
		int due = if_due ? due_today(ctx, &e) : 1;
		if (due <= 0)
			return due < 0 ? cli_fail(&e) : 0;
	} else if ((!strcmp(what, "publish") || !strcmp(what, "drop")) && argc == 3) {
		if ((id = id_of(argv[2])) < 0)
			return cli_usage_error(ctx);
	} else {
		return cli_usage_error(ctx);
	}
	struct product_files l;
	if (product_files_load(&l, ctx->cfg, &app->keys, &e) < 0) {
		product_files_free(&l);
		return cli_fail(&e);
	}
	struct release_maker m = {ctx->cfg,  &l.lists,	 &l.pt,
				  l.product, &app->keys, app->keys.audit};
	int rc;
	if (!strcmp(what, "create")) {
		rc = release_create(&m, ctx->conn, "cli", note, &id, &e);
		if (rc == 0)
			printf("release %d created (a draft: wiqaya-server release show %d, then "
			       "publish %d)\n",
			       id, id, id);
	} else if (!strcmp(what, "publish")) {
		rc = release_publish(&m, ctx->conn, id, "cli", &e);
		if (rc == 0)
			printf("release %d published\n", id);
	} else {
		rc = release_drop(&m, ctx->conn, id, "cli", &e);
		if (rc == 0)
			printf("release %d dropped\n", id);
	}
	product_files_free(&l);
	return rc < 0 ? cli_fail(&e) : 0;
}
