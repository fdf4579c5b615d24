/* INI configuration through libinih, driven by one const table of known keys, so that an
 * unknown key or a bad value is reported with its file, line and key, never ignored. */
#include "common/config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

enum kind { STR, INT, DBL, BOOL };

struct key {
	const char *section, *name;
	enum kind kind;
	size_t offset;
	double min, max;
	const char *def;
};

#define S(sec, name, field, def)                                                                   \
	{                                                                                          \
		sec, name, STR, offsetof(struct wq_config, field), 0, 0, def                       \
	}
#define I(sec, name, field, lo, hi, def)                                                           \
	{                                                                                          \
		sec, name, INT, offsetof(struct wq_config, field), lo, hi, def                     \
	}
#define B(sec, name, field, def)                                                                   \
	{                                                                                          \
		sec, name, BOOL, offsetof(struct wq_config, field), 0, 1, def                      \
	}
#define D(sec, name, field, lo, hi, def)                                                           \
	{                                                                                          \
		sec, name, DBL, offsetof(struct wq_config, field), lo, hi, def                     \
	}

static const struct key keys[] = {
    S("database", "host", db_host, "/var/tmp/wiqaya"),
    I("database", "port", db_port, 1, 65535, "54329"),
    S("database", "dbname", db_name, "wiqaya"),
    S("database", "admin_user", db_admin_user, "postgres"),
    S("database", "loader_user", db_loader_user, "wiqaya_loader"),
    S("database", "reader_user", db_reader_user, "wiqaya_reader"),
    S("database", "passwords", db_passwords, ""),
    I("database", "connect_timeout", db_connect_timeout, 1, 600, "5"),
    I("database", "connect_retries", db_connect_retries, 1, 100, "5"),
    S("paths", "codelists", codelists_dir, "config/codelists"),
    S("paths", "migrations", migrations_dir, "sql/migrations"),
    S("paths", "functions", functions_dir, ""),
    S("paths", "indicators", indicators_path, "config/indicators.json"),
    S("paths", "standards", standards_path, "config/standard_populations.json"),
    S("paths", "costs", costs_path, "config/intervention_costs.json"),
    S("paths", "openapi", openapi_path, "docs/openapi.yaml"),
    S("paths", "web", web_dir, "build/web"),
    S("keys", "pseudonym_key", pseudonym_key, "var/keys/pseudonym.key"),
    S("keys", "noise_key", noise_key, "var/keys/noise.key"),
    S("keys", "token_key", token_key, "var/keys/token.key"),
    S("etl", "default_id_country", default_id_country, "DC"),
    I("etl", "child_retention_months", child_retention_months, 1, 1200, "60"),
    I("etl", "max_record_bytes", max_record_bytes, 1024, 1 << 30, "1048576"),
    I("etl", "max_rejects", max_rejects, 1, INT_MAX, "100000"),
    D("etl", "max_reject_share", max_reject_share, 0, 1, "0.5"),
    I("etl", "reject_share_after", reject_share_after, 1, INT_MAX, "1000"),
    S("server", "listen", server_listen, "127.0.0.1"),
    I("server", "port", server_port, 1, 65535, "8080"),
    I("server", "threads", server_threads, 1, 256, "4"),
    I("server", "statement_timeout_ms", statement_timeout_ms, 100, 3600000, "15000"),
    S("server", "trusted_proxy", trusted_proxy, ""),
    S("server", "embed_ancestors", embed_ancestors, "*"),
    S("server", "tls_cert", tls_cert, ""),
    S("server", "tls_key", tls_key, ""),
    B("server", "behind_tls_proxy", behind_tls_proxy, "false"),
    B("server", "column_engine", column_engine, "true"),
    I("server", "cache_mb", cache_mb, 1, 1 << 20, "256"),
    S("intake", "listen", intake_listen, "127.0.0.1"),
    I("intake", "port", intake_port, 1, 65535, "8081"),
    I("intake", "threads", intake_threads, 1, 256, "4"),
    I("intake", "refresh_delay", refresh_delay, 1, 86400, "60"),
    I("intake", "idempotency_hours", idempotency_hours, 1, 8760, "168"),
    I("intake", "group_cases", group_cases, 1, 100000, "5000"),
    I("limits", "max_body_bytes", max_body_bytes, 1024, INT_MAX, "10485760"),
    I("limits", "max_records", max_records, 1, 10000000, "10000"),
    I("limits", "max_json_depth", max_json_depth, 2, 1000, "16"),
    I("limits", "max_url_bytes", max_url_bytes, 256, 30720, "4096"), /* 1 MiB of pool: http.c */
    I("limits", "max_array_items", max_array_items, 1, 10000000, "1000"),
    D("limits", "rate_per_token", rate_per_token, 0, 1e6, "0"),
    I("limits", "connection_timeout", connection_timeout, 1, 3600, "30"),
    I("limits", "header_timeout", header_timeout, 1, 3600, "10"),
    I("limits", "connections_per_ip", connections_per_ip, 1, 100000, "32"),
    I("limits", "max_connections", max_connections, 1, 100000, "256"),
    I("limits", "min_body_rate", min_body_rate, 1, INT_MAX, "16384"),
    D("limits", "auth_failures_per_minute", auth_failures_per_minute, 0, 1e6, "10"),
    D("disclosure", "noise_scale", noise_scale, 0.1, 1000, "2"),
    D("disclosure", "fixed_noise_scale", fixed_noise_scale, 0, 1000, "2"),
    I("disclosure", "floor", floor, 0, 1000, "5"),
    I("disclosure", "floor_spread", floor_spread, 0, 9, "4"),
    I("disclosure", "threshold", threshold, 0, 1000, "10"),
    I("disclosure", "max_dims_policy", max_dims_policy, 1, 10, "3"),
    I("disclosure", "max_dims_researcher", max_dims_researcher, 1, 10, "4"),
    D("disclosure", "budget_policy", budget_policy, 0, 1e6, "12"),
    D("disclosure", "budget_researcher", budget_researcher, 0, 1e6, "12"),
    D("disclosure", "budget_admin", budget_admin, 0, 1e6, "12"),
    D("disclosure", "budget_public", budget_public, 0, 1e6, "40"),
    I("disclosure", "budget_days", budget_days, 1, 3660, "30"),
    I("disclosure", "release_days", release_days, 1, 3660, "30"),
    B("disclosure", "official_releases", official_releases, "false"),
    I("disclosure", "approval_grace_days", approval_grace_days, 0, 36600, "0"),
    S("disclosure", "release_calendar", release_calendar, ""),
    S("disclosure", "public_tables", public_tables, "config/public_tables.txt"),
    I("audit", "queue", audit_queue, 16, 1 << 24, "65536"),
    I("audit", "flush_ms", audit_flush_ms, 1, 60000, "200"),
    S("log", "level", log_level, "info"),
};

struct parse_state {
	struct wq_config *c;
	struct wq_error *e;
	int failed;
};

/* Stores text into the field of k; on a bad value fills e and returns -1. */
static int assign(struct wq_config *c, const struct key *k, const char *text, struct wq_error *e)
{
	char *field = (char *)c + k->offset;
	char *end;

	switch (k->kind) {
	case STR: {
		/* A file systemd hands a service (LoadCredential=, packaging/systemd): the
		 * service's own copy, under the directory systemd names in its environment.
		 * Without it the text stays as written, and a program that opens the file says
		 * which it could not read. */
		static const char var[] = "$CREDENTIALS_DIRECTORY/";
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		free(*(char **)field);
		if (dir && *dir && strncmp(text, var, sizeof var - 1) == 0)
			*(char **)field = xasprintf("%s/%s", dir, text + sizeof var - 1);
		else if (dir && *dir && strcmp(text, "$CREDENTIALS_DIRECTORY") == 0)
			*(char **)field = xstrdup(dir); /* [database] passwords: a folder */
		else
			*(char **)field = xstrdup(text);
		return 0;
	}
	case INT: {
		errno = 0;
		long v = strtol(text, &end, 10);
		if (errno || end == text || *end || v < k->min || v > k->max)
			return err_set(e, "S1004",
				       "invalid value for key \"%s\" in section [%s]: expected an "
				       "integer from %.0f to %.0f",
				       k->name, k->section, k->min, k->max);
		*(int *)field = (int)v;
		return 0;
	}
	case DBL: {
		errno = 0;
		double v = strtod(text, &end);
		if (errno || end == text || *end || v < k->min || v > k->max)
			return err_set(e, "S1004",
				       "invalid value for key \"%s\" in section [%s]: expected a "
				       "number from %g to %g",
				       k->name, k->section, k->min, k->max);
		*(double *)field = v; // cppcheck-suppress invalidPointerCast
		return 0;
	}
	case BOOL:
		if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
			return err_set(
			    e, "S1004",
			    "invalid value for key \"%s\" in section [%s]: expected true "
			    "or false",
			    k->name, k->section);
		*(int *)field = text[0] == 't';
		return 0;
	}
	return -1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	if (st->failed)
		return 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0) {
			if (assign(st->c, &keys[i], value, st->e) == 0)
				return 1;
			st->failed = 1;
			return 0;
		}
	}
	st->failed = 1;
	err_set(st->e, "S1003", "unknown key \"%s\" in section [%s]", name, section);
	return 0;
}

void config_defaults(struct wq_config *c)
{
	struct wq_error ignored;
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assign(c, &keys[i], keys[i].def, &ignored);
}

/* [disclosure] release_calendar: days YYYY-MM-DD, apart by spaces or commas. */
static int check_calendar(const char *p, struct wq_error *e)
{
	while (p && *p) {
		p += strspn(p, " ,");
		size_t len = strcspn(p, " ,");
		int ok = len == 10 && p[4] == '-' && p[7] == '-';
		for (size_t i = 0; ok && i < 10; i++)
			ok = i == 4 || i == 7 || (p[i] >= '0' && p[i] <= '9');
		int month = ok ? (p[5] - '0') * 10 + p[6] - '0' : 0,
		    day = ok ? (p[8] - '0') * 10 + p[9] - '0' : 0;
		if (len && (!ok || month < 1 || month > 12 || day < 1 || day > 31))
			return err_set(e, "S1004",
				       "invalid value for key \"release_calendar\" in section "
				       "[disclosure]: expected days YYYY-MM-DD apart by spaces");
		p += len;
	}
	return 0;
}

int config_load(struct wq_config *c, const char *path, struct wq_error *e)
{
	struct parse_state st = {c, e, 0};
	config_defaults(c);
	c->path = xstrdup(path);
	err_clear(e);

	FILE *f = fopen(path, "r");
	if (!f) {
		err_set(e, "S1001", "could not open configuration file \"%s\": %s", path,
			strerror(errno));
		err_hint(e, "Pass -c FILE, or copy config/wiqaya.conf.example.");
		return -1;
	}
	int line = ini_parse_file(f, handler, &st);
	fclose(f);
	if (line == 0)
		return check_calendar(c->release_calendar, e);
	/* inih reports the first failing line; the handler has described it already. */
	if (!st.failed)
		err_set(e, "S1002", "syntax error in configuration file");
	err_detail(e, "File \"%s\", line %d.", path, line);
	return -1;
}

void config_free(struct wq_config *c)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].kind == STR)
			free(*(char **)((char *)c + keys[i].offset));
	free(c->path);
	memset(c, 0, sizeof *c);
}
