/* wiqaya-server token add|list|revoke: access tokens (api.md "Auth"). A new token is
 * printed once, on stdout, and only its keyed hash is stored; list shows no secret. Every
 * change is a row of the audit chain. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codelist.h"
#include "common/db.h"
#include "common/token.h"
#include "server/audit.h"
#include "server/commands.h"

static int audit_change(struct cli_ctx *ctx, const char *action, const char *id, const char *role,
			const char *agency, const char *budget, struct wq_error *e)
{
	struct server_app *app = ctx->app;
	json_t *j = json_pack("{s:s,s:i,s:s?,s:s?,s:s?}", "action", action, "token_id", atoi(id),
			      "role", role, "agency", agency, "budget", budget);
	char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	int rc = audit_append(ctx->conn, app->keys.audit, "token", body, e);
	free(body);
	return rc;
}

/* A submitter's agency must be a code of the agencies list. */
static int check_agency(const struct wq_config *cfg, const char *agency, struct wq_error *e)
{
	struct codelists lists;
	if (codelists_load(&lists, cfg->codelists_dir, e) < 0)
		return -1;
	const struct code_list *l = codelists_get(&lists, "agencies");
	int ok = l && codelist_index(l, agency) >= 0;
	codelists_free(&lists);
	if (!ok) {
		err_set(e, "T2002", "--agency is not a code of list agencies"); /* (never echoed) */
		return -1;
	}
	return 0;
}

static int add(struct cli_ctx *ctx, int argc, char **argv)
{
	struct server_app *app = ctx->app;
	const char *role = NULL, *agency = NULL, *name = NULL, *expires = NULL;
	struct wq_error e;
	enum role r;
	for (int i = 2; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--role")	   ? &role
				   : !strcmp(argv[i], "--agency")  ? &agency
				   : !strcmp(argv[i], "--name")	   ? &name
				   : !strcmp(argv[i], "--expires") ? &expires
								   : NULL;
		if (!dst || i + 1 >= argc)
			return cli_usage_error(ctx);
		*dst = argv[++i];
	}
	if (!role || !name)
		return cli_usage_error(ctx);
	if (role_parse(role, &r) < 0 || r == ROLE_PUBLIC) {
		err_set(&e, "T2001",
			"--role: \"%s\" is not one of submitter, researcher, policy, "
			"admin, monitor",
			role);
		return cli_fail(&e);
	}
	if ((r == ROLE_SUBMITTER) != (agency != NULL)) {
		err_set(&e, "T2002",
			r == ROLE_SUBMITTER ? "--agency: a submitter is bound to one "
					      "agency"
					    : "--agency: only a submitter has one");
		return cli_fail(&e);
	}
	if (agency && check_agency(ctx->cfg, agency, &e) < 0)
		return cli_fail(&e);
	if (!name[0] || strlen(name) > 200) {
		err_set(&e, "T2004", "--name: 1 to 200 characters");
		return cli_fail(&e);
	}
	if (expires) {
		const char *p[] = {expires};
		PGresult *res = db_exec(ctx->conn, &e,
					"SELECT CASE WHEN $1 ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN "
					"$1::date > current_date END",
					1, p);
		int ok = res && PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		if (!ok) {
			err_set(&e, "T2003", "--expires: \"%s\" is not a future date (YYYY-MM-DD)",
				expires);
			return cli_fail(&e);
		}
	}
	char text[TOKEN_TEXT_LEN + 1], hex[2 * TOKEN_HASH_BYTES + 3] = "\\x";
	uint8_t hash[TOKEN_HASH_BYTES];
	token_new(app->keys.token, text, hash);
	sodium_bin2hex(hex + 2, sizeof hex - 2, hash, sizeof hash);
	const char *p[] = {hex, role, agency, name, expires};
	PGresult *res = NULL;
	if (db_run(ctx->conn, &e, "BEGIN", 0, NULL) < 0 ||
	    !(res =
		  db_exec(ctx->conn, &e,
			  "INSERT INTO auth.token (token_id, hash, role, agency, name, expires_at) "
			  "VALUES (nextval('auth.token_id_seq'), $1::bytea, $2, $3, $4, "
			  "$5::date) RETURNING token_id",
			  5, p)) ||
	    audit_change(ctx, "add", PQgetvalue(res, 0, 0), role, agency, NULL, &e) < 0 ||
	    db_run(ctx->conn, &e, "COMMIT", 0, NULL) < 0) {
		PQclear(res);
		PQclear(PQexec(ctx->conn, "ROLLBACK"));
		sodium_memzero(text, sizeof text);
		return cli_fail(&e);
	}
	fprintf(stderr, "token %s (%s%s%s) created; it is shown once:\n", PQgetvalue(res, 0, 0),
		role, agency ? ", agency " : "", agency ? agency : "");
	printf("%s\n", text);
	fflush(stdout);
	sodium_memzero(text, sizeof text);
	PQclear(res);
	return 0;
}

static int list(struct cli_ctx *ctx)
{
	struct wq_error e;
	const struct wq_config *cfg = ctx->cfg;
	char days[16], b[4][32];
	snprintf(days, sizeof days, "%d", cfg->budget_days);
	snprintf(b[0], sizeof b[0], "%.17g", cfg->budget_researcher);
	snprintf(b[1], sizeof b[1], "%.17g", cfg->budget_policy);
	snprintf(b[2], sizeof b[2], "%.17g", cfg->budget_admin);
	snprintf(b[3], sizeof b[3], "%.17g", cfg->budget_public);
	const char *p[] = {days, b[0], b[1], b[2], b[3]};
	/* Each token's budget (its own, or its role's default: *), what it spent in the
	 * window and what is left: the admin sees who is near the end of a project. */
	PGresult *res = db_exec(
	    ctx->conn, &e,
	    "WITH t AS (SELECT t.*, coalesce(t.budget, CASE t.role WHEN 'researcher' THEN "
	    "$2::float8 WHEN 'policy' THEN $3::float8 WHEN 'admin' THEN $4::float8 WHEN "
	    "'public' THEN $5::float8 ELSE 0 END) AS b, coalesce((SELECT sum(epsilon) FROM "
	    "auth.spend s WHERE s.token_id = t.token_id AND s.at > now() - "
	    "make_interval(days => $1::int)), 0) AS spent FROM auth.token t) "
	    "SELECT token_id, role, coalesce(agency, '-'), name, to_char(created_at, "
	    "'YYYY-MM-DD'), coalesce(to_char(expires_at, 'YYYY-MM-DD'), '-'), "
	    "CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN "
	    "'expired' ELSE 'active' END, CASE WHEN role IN ('submitter', 'monitor') THEN '-' ELSE "
	    "round(b::numeric, 3)::text || CASE WHEN budget IS NULL THEN '*' ELSE '' END END, "
	    "CASE WHEN role IN ('submitter', 'monitor') THEN '-' ELSE round(spent::numeric, "
	    "3)::text END, "
	    "CASE WHEN role IN ('submitter', 'monitor') THEN '-' ELSE round(greatest(b - spent, "
	    "0)::numeric, "
	    "3)::text END FROM t ORDER BY token_id",
	    5, p);
	if (!res)
		return cli_fail(&e);
	printf("id\trole\tagency\tname\tcreated\texpires\tstate\tbudget\tspent\tremaining\n");
	for (int i = 0; i < PQntuples(res); i++)
		for (int j = 0; j < 10; j++)
			printf("%s%c", PQgetvalue(res, i, j), j == 9 ? '\n' : '\t');
	printf("(budget: epsilon per %d days; * the role's default; spent in the last %d days)\n",
	       cfg->budget_days, cfg->budget_days);
	PQclear(res);
	return 0;
}

/* One change to one token, in a transaction with its audit row: sql updates token $1 (with
 * $2 = value, when sql takes it) and returns its role; a token it matches no row of is
 * T2005 (missing, which names it). The id is checked first and never echoed when it is no
 * id: whatever was typed (a token pasted by mistake) stays off stderr. Returns 0, or the
 * exit status of the failure (cli_fail). */
static int change_token(struct cli_ctx *ctx, const char *id, const char *sql, const char *value,
			int nparams, const char *action, const char *audited, const char *missing)
{
	struct wq_error e;
	const char *p[] = {id, value};
	PGresult *res = NULL;
	if (strspn(id, "0123456789") != strlen(id) || !id[0] || strlen(id) > 9) {
		err_set(&e, "T2005", "not a token id (token list shows them)");
		return cli_fail(&e);
	}
	if (db_run(ctx->conn, &e, "BEGIN", 0, NULL) < 0 ||
	    !(res = db_exec(ctx->conn, &e, sql, nparams, p))) {
		PQclear(PQexec(ctx->conn, "ROLLBACK"));
		return cli_fail(&e);
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		PQclear(PQexec(ctx->conn, "ROLLBACK"));
		err_set(&e, "T2005", "%s %s", missing, id);
		return cli_fail(&e);
	}
	if (audit_change(ctx, action, id, PQgetvalue(res, 0, 0), NULL, audited, &e) < 0 ||
	    db_run(ctx->conn, &e, "COMMIT", 0, NULL) < 0) {
		PQclear(res);
		PQclear(PQexec(ctx->conn, "ROLLBACK"));
		return cli_fail(&e);
	}
	PQclear(res);
	return 0;
}

/* token budget ID EPSILON|default: a project's budget, set by an admin. */
static int set_budget(struct cli_ctx *ctx, const char *id, const char *value)
{
	struct wq_error e;
	char *end = NULL, text[32];
	int reset = strcmp(value, "default") == 0;
	double v = reset ? 0 : strtod(value, &end);
	if (strspn(id, "0123456789") != strlen(id) || !id[0] || strlen(id) > 9) {
		err_set(&e, "T2005", "not a token id (token list shows them)");
		return cli_fail(&e);
	}
	if (!reset && (end == value || *end || !(v >= 0) || v > 1e6)) {
		err_set(&e, "T2006", "budget: not an epsilon from 0 to 1000000, or default");
		return cli_fail(&e);
	}
	snprintf(text, sizeof text, "%.17g", v);
	if (change_token(ctx, id,
			 "UPDATE auth.token SET budget = $2::float8 WHERE token_id = $1::int "
			 "AND token_id > 0 AND role <> 'submitter' AND revoked_at IS NULL "
			 "RETURNING role",
			 reset ? NULL : text, 2, "budget", reset ? "default" : text,
			 "no active reader token") != 0)
		return 2;
	printf("token %s: budget %s per %d days\n", id, reset ? "the role's default" : text,
	       ctx->cfg->budget_days);
	return 0;
}

static int revoke(struct cli_ctx *ctx, const char *id)
{
	if (change_token(ctx, id,
			 "UPDATE auth.token SET revoked_at = now() WHERE token_id = $1::int AND "
			 "token_id > 0 AND revoked_at IS NULL RETURNING role",
			 NULL, 1, "revoke", NULL, "no active token") != 0)
		return 2;
	printf("token %s revoked\n", id);
	return 0;
}

int srv_token(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return add(ctx, argc, argv);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return list(ctx);
	if (argc == 3 && strcmp(argv[1], "revoke") == 0)
		return revoke(ctx, argv[2]);
	if (argc == 4 && strcmp(argv[1], "budget") == 0)
		return set_budget(ctx, argv[2], argv[3]);
	return cli_usage_error(ctx);
}
