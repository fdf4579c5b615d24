/* Migrations and function files (see migrate.h). Files run through the simple-query
 * protocol, since they hold several statements; their text is ours, never input from a
 * user. */
#include "etl/ops/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/codelist.h"
#include "common/db.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* The folder of sql/functions whose files build the analytics tables: a change there
 * changes what the tables hold, so migrate rebuilds them. */
#define BUILDERS "analytics/"

/* The SQL files of a folder and, with DEEP, of its subfolders one level down, as paths
 * relative to it, sorted. */
struct sql_files {
	char **name;
	size_t n, cap;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_free(struct sql_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->name[i]);
	free(f->name);
	memset(f, 0, sizeof *f);
}

static int ends_with_sql(const char *s)
{
	size_t len = strlen(s);
	return len > 4 && strcmp(s + len - 4, ".sql") == 0;
}

static int list_dir(struct sql_files *f, const char *root, const char *sub, int deep,
		    struct wq_error *e)
{
	char *path = sub[0] ? xasprintf("%s/%s", root, sub) : xstrdup(root);
	DIR *d = opendir(path);
	struct dirent *de;
	if (!d) {
		err_set(e, "S4001", "could not open SQL directory \"%s\": %s", path,
			strerror(errno));
		free(path);
		return -1;
	}
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *name = sub[0] ? xasprintf("%s/%s", sub, de->d_name) : xstrdup(de->d_name);
		if (ends_with_sql(de->d_name)) {
			xgrow((void **)&f->name, &f->cap, f->n + 1, sizeof(char *));
			f->name[f->n++] = name;
			continue;
		}
		struct stat st;
		char *full = xasprintf("%s/%s", root, name);
		int dir = de->d_type == DT_DIR ||
			  (de->d_type == DT_UNKNOWN && stat(full, &st) == 0 && S_ISDIR(st.st_mode));
		free(full);
		if (deep && dir)
			rc = list_dir(f, root, name, 0, e);
		free(name);
	}
	closedir(d);
	free(path);
	qsort(f->name, f->n, sizeof(char *), by_name);
	return rc;
}

/* The text of ROOT/NAME and its checksum (BLAKE2b-256, hex). NULL with e set. */
static char *read_sql(const char *root, const char *name, char sum[65], struct wq_error *e)
{
	struct strbuf sb;
	char *path = xasprintf("%s/%s", root, name);
	sb_init(&sb);
	int rc = sb_read_file(&sb, path);
	free(path);
	if (rc < 0) {
		sb_free(&sb);
		err_set(e, "S4001", "could not read SQL file \"%s\"", name);
		return NULL;
	}
	uint8_t h[32];
	crypto_generichash(h, sizeof h, (const uint8_t *)sb.data, sb.len, NULL, 0);
	sodium_bin2hex(sum, 65, h, sizeof h);
	return sb.data;
}

/* Runs the statements of SQL; 0, or -1 with e set (CODE) and *state the SQLSTATE. */
static int exec_file(PGconn *conn, const char *sql, const char *code, char state[6],
		     struct wq_error *e)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;
	}
	const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	snprintf(state, 6, "%s", s ? s : "");
	db_error(conn, res, code, e);
	PQclear(res);
	return -1;
}

/* The checksum recorded for NAME in TABLE, into sum ("" when none); 0 or -1. */
static int recorded(PGconn *conn, const char *table, const char *name, char sum[65],
		    struct wq_error *e)
{
	char sql[96];
	const char *params[] = {name};
	snprintf(sql, sizeof sql, "SELECT checksum FROM public.%s WHERE name = $1", table);
	PGresult *res = db_exec(conn, e, sql, 1, params);
	if (!res)
		return -1;
	snprintf(sum, 65, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return 0;
}

/* A migration that replaces others (a baseline of the ones before it) names each in a line
 * "-- replaces: NAME CHECKSUM". Returns 1 when the database has every one of them
 * recorded (it has what the file makes: record it without running it), 0 when it has
 * none or the file replaces nothing (run it), -1 with e set when it has some of them
 * (S4005: it stopped part of the way) or one with another checksum (S4002). */
static int replaced(PGconn *conn, const char *file, const char *sql, struct wq_error *e)
{
	static const char tag[] = "-- replaces: ";
	int named = 0, found = 0;
	for (const char *line = sql; line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char name[256], sum[65], was[65];
		if (strncmp(line, tag, strlen(tag)) != 0 ||
		    sscanf(line + strlen(tag), "%255s %64s", name, sum) != 2)
			continue;
		named++;
		if (recorded(conn, "schema_migrations", name, was, e) < 0)
			return -1;
		if (was[0] && strcmp(was, sum) != 0) {
			err_set(e, "S4002", "migration \"%s\" has changed since it was applied",
				name);
			err_detail(e, "\"%s\" replaces it as it was released.", file);
			return -1;
		}
		found += was[0] != 0;
	}
	if (found && found < named) {
		err_set(e, "S4005", "the database has %d of the %d migrations \"%s\" replaces",
			found, named, file);
		err_hint(e, "Migrate it first with a release that has those migrations, then with "
			    "this one.");
		return -1;
	}
	return named && found == named;
}

static int run_migrations(PGconn *conn, const char *dir, int *applied, struct wq_error *e)
{
	struct sql_files f = {0};
	int rc = -1;
	if (list_dir(&f, dir, "", 0, e) < 0)
		goto out;
	for (size_t i = 0; i < f.n; i++) {
		char sum[65], was[65], state[6];
		const char *params[] = {f.name[i], sum};
		char *sql = read_sql(dir, f.name[i], sum, e);
		if (!sql)
			goto out;
		if (recorded(conn, "schema_migrations", f.name[i], was, e) < 0) {
			free(sql);
			goto out;
		}
		if (was[0] && strcmp(was, sum) != 0) {
			free(sql);
			err_set(e, "S4002", "migration \"%s\" has changed since it was applied",
				f.name[i]);
			err_hint(e, "Never edit an applied migration; add a new one.");
			goto out;
		}
		if (was[0]) {
			free(sql);
			continue;
		}
		int has = replaced(conn, f.name[i], sql, e);
		int failed = has < 0 || (has == 0 && exec_file(conn, sql, "S4003", state, e) < 0);
		free(sql);
		if (failed) {
			if (has == 0)
				err_hint(e, "Migration \"%s\" failed; nothing of this run remains.",
					 f.name[i]);
			goto out;
		}
		if (db_run(conn, e,
			   "INSERT INTO public.schema_migrations (name, checksum) VALUES ($1, $2)",
			   2, params) < 0)
			goto out;
		if (has) {
			log_info("recorded migration %s: the database has what it makes",
				 f.name[i]);
			continue;
		}
		log_info("applied migration %s", f.name[i]);
		(*applied)++;
	}
	rc = 0;
out:
	files_free(&f);
	return rc;
}

/* A function file that failed only because something it names is not there yet: another
 * file of this run may create it (a function calling a function of a later file). */
static int missing_object(const char *state)
{
	return strcmp(state, "42883") == 0 || strcmp(state, "42P01") == 0 ||
	       strcmp(state, "42704") == 0;
}

/* Applies the pending files of f (pending[i] set) in one transaction, each under a
 * savepoint; a file failing for a missing object is tried again after the others, until a
 * round makes no progress. */
static int apply_functions(PGconn *conn, const struct sql_files *f, char *const *text,
			   char *pending, char (*sums)[65], struct migrate_result *r, int *stale,
			   struct wq_error *e)
{
	int progress = 1, left = 0, builders = 0;
	for (size_t i = 0; i < f->n; i++)
		left += pending[i];
	while (left && progress) {
		progress = 0;
		for (size_t i = 0; i < f->n; i++) {
			char state[6];
			if (!pending[i])
				continue;
			if (db_run(conn, e, "SAVEPOINT function_file", 0, NULL) < 0)
				return -1;
			if (exec_file(conn, text[i], "S4004", state, e) < 0) {
				err_hint(
				    e, "Function file \"%s\" failed; nothing of this run remains.",
				    f->name[i]);
				if (!missing_object(state))
					return -1;
				if (db_run(conn, e, "ROLLBACK TO SAVEPOINT function_file", 0,
					   NULL) < 0)
					return -1;
				continue;
			}
			const char *params[] = {f->name[i], sums[i]};
			if (db_run(conn, e,
				   "INSERT INTO public.schema_functions (name, checksum) VALUES "
				   "($1, $2)"
				   " ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum,"
				   " applied_at = now()",
				   2, params) < 0)
				return -1;
			log_info("applied function file %s", f->name[i]);
			builders |= strncmp(f->name[i], BUILDERS, strlen(BUILDERS)) == 0;
			pending[i] = 0;
			left--;
			progress = 1;
			r->functions++;
		}
	}
	if (left)
		return -1; /* e holds the last missing object's error */
	*stale |= builders;
	return 0;
}

/* One rebuild of the analytics tables when the warehouse holds anything. */
static int rebuild(PGconn *conn, struct migrate_result *r, struct wq_error *e)
{
	PGresult *res = db_exec(conn, e,
				"SELECT warehouse.rebuild_analytics() WHERE EXISTS"
				" (SELECT 1 FROM warehouse.\"case\") OR EXISTS"
				" (SELECT 1 FROM warehouse.population)",
				0, NULL);
	if (!res)
		return -1;
	r->rebuilt = PQntuples(res) > 0;
	PQclear(res);
	if (r->rebuilt)
		log_info("rebuilt the analytics tables (a builder or the sources changed)");
	return 0;
}

/* The capture lists of multiple-systems estimation (docs/methods.md "Hidden victims"):
 * warehouse.agency_source made equal to the source column of the agencies' code list. A
 * child-year's sources are built from it, so a change sets *changed (the run rebuilds the
 * analytics). Every set of the lists must be a code of the sources list, which labels the
 * dimension (S4007). */
static int sync_sources(PGconn *conn, const struct codelists *lists, int *changed,
			struct wq_error *e)
{
	const struct code_list *agencies = codelists_get(lists, "agencies");
	const struct code_list *patterns = codelists_get(lists, "sources");
	const char *names[8];
	int k = 0, rc = -1;
	struct strbuf want, codes, sources;
	sb_init(&want);
	sb_init(&codes);
	sb_init(&sources);
	*changed = 0;
	for (size_t i = 0; agencies && i < agencies->n; i++) {
		const struct code_item *it = &agencies->items[agencies->sorted[i]];
		if (!it->source)
			continue;
		int j = 0;
		while (j < k && strcmp(names[j], it->source) != 0)
			j++;
		if (j == k && k == 6) {
			err_set(e, "S4007", "the agencies' code list names more than 6 sources");
			err_hint(e, "Multiple-systems estimation takes 2 to 6 lists: group the "
				    "agencies into fewer sources.");
			goto out;
		}
		if (j == k)
			names[k++] = it->source;
		sb_printf(&want, "%s%s\t%s", want.len ? "\n" : "", it->code, it->source);
		sb_printf(&codes, "%s\"%s\"", codes.len ? "," : "{", it->code);
		sb_printf(&sources, "%s\"%s\"", sources.len ? "," : "{", it->source);
	}
	/* Every set of the lists, its names in byte order joined by +. */
	for (int a = 1; a < k; a++)
		for (int b = a; b > 0 && strcmp(names[b - 1], names[b]) > 0; b--) {
			const char *t = names[b];
			names[b] = names[b - 1];
			names[b - 1] = t;
		}
	for (unsigned set = 1; set < (1u << k); set++) {
		struct strbuf code;
		sb_init(&code);
		for (int j = 0; j < k; j++)
			if (set & (1u << j))
				sb_printf(&code, "%s%s", code.len ? "+" : "", names[j]);
		int known = patterns && codelist_index(patterns, code.data) >= 0;
		if (!known)
			err_set(e, "S4007", "\"%s\" is not a code of the sources' code list",
				code.data);
		sb_free(&code);
		if (!known) {
			err_hint(e, "config/codelists/sources.csv lists every set of the agencies' "
				    "sources, their names in byte order joined by +.");
			goto out;
		}
	}
	/* And the other way: every single source the sources' list names is an agency's (a
	 * list no agency feeds would make every estimate fail, A1002). */
	for (size_t i = 0; k && patterns && i < patterns->n; i++) {
		const char *code = patterns->items[i].code;
		int j = 0;
		while (j < k && strcmp(names[j], code) != 0)
			j++;
		if (!strchr(code, '+') && j == k) {
			err_set(e, "S4007",
				"the source \"%s\" of the sources' code list is no agency's", code);
			err_hint(e,
				 "Name it in the source column of config/codelists/agencies.csv, "
				 "or remove its sets from config/codelists/sources.csv.");
			goto out;
		}
	}
	PGresult *res = db_exec(conn, e,
				"SELECT coalesce(string_agg(agency || E'\\t' || source, E'\\n'"
				" ORDER BY agency COLLATE \"C\"), '') FROM warehouse.agency_source",
				0, NULL);
	if (!res)
		goto out;
	*changed = strcmp(PQgetvalue(res, 0, 0), want.len ? want.data : "") != 0;
	PQclear(res);
	if (*changed) {
		if (codes.len) {
			sb_puts(&codes, "}");
			sb_puts(&sources, "}");
		}
		const char *params[] = {codes.len ? codes.data : "{}",
					sources.len ? sources.data : "{}"};
		if (db_run(conn, e, "DELETE FROM warehouse.agency_source", 0, NULL) < 0 ||
		    db_run(conn, e,
			   "INSERT INTO warehouse.agency_source (agency, source)"
			   " SELECT * FROM unnest($1::text[], $2::text[])",
			   2, params) < 0)
			goto out;
		log_info("the agencies' sources changed: %d source%s", k, k == 1 ? "" : "s");
	}
	rc = 0;
out:
	sb_free(&want);
	sb_free(&codes);
	sb_free(&sources);
	return rc;
}

static int run_functions(PGconn *conn, const char *dir, struct migrate_result *r, int *stale,
			 struct wq_error *e)
{
	struct sql_files f = {0};
	char *pending = NULL, **text = NULL;
	char(*sums)[65] = NULL;
	int rc = -1, any = 0;
	if (list_dir(&f, dir, "", 1, e) < 0)
		goto out;
	pending = xcalloc(f.n + 1, 1);
	text = xcalloc(f.n + 1, sizeof *text);
	sums = xcalloc(f.n + 1, sizeof *sums);
	for (size_t i = 0; i < f.n; i++) {
		char was[65];
		if (!(text[i] = read_sql(dir, f.name[i], sums[i], e)) ||
		    recorded(conn, "schema_functions", f.name[i], was, e) < 0)
			goto out;
		pending[i] = strcmp(was, sums[i]) != 0;
		any |= pending[i];
	}
	if (any && apply_functions(conn, &f, text, pending, sums, r, stale, e) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; text && i < f.n; i++)
		free(text[i]);
	free(text);
	free(pending);
	free(sums);
	files_free(&f);
	return rc;
}

/* One transaction for the whole run, under the lock that serialises concurrent runs: a
 * migration that drops or changes a function and the file that makes its successor land
 * together, or neither does. */
int migrate_run(PGconn *conn, const char *migrations, const char *functions,
		const struct codelists *lists, struct migrate_result *r, struct wq_error *e)
{
	int stale = 0;
	memset(r, 0, sizeof *r);
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0)
		return -1;
	if (db_run(conn, e, "SELECT pg_advisory_xact_lock(7270001)", 0, NULL) < 0 ||
	    db_run(conn, e,
		   "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
		   " name text PRIMARY KEY, checksum text NOT NULL,"
		   " applied_at timestamptz NOT NULL DEFAULT now())",
		   0, NULL) < 0 ||
	    db_run(conn, e,
		   "CREATE TABLE IF NOT EXISTS public.schema_functions ("
		   " name text PRIMARY KEY, checksum text NOT NULL,"
		   " applied_at timestamptz NOT NULL DEFAULT now())",
		   0, NULL) < 0 ||
	    run_migrations(conn, migrations, &r->migrations, e) < 0 ||
	    (lists && sync_sources(conn, lists, &stale, e) < 0) ||
	    run_functions(conn, functions, r, &stale, e) < 0 ||
	    (stale && rebuild(conn, r, e) < 0) || db_run(conn, e, "COMMIT", 0, NULL) < 0) {
		PQclear(PQexec(conn, "ROLLBACK"));
		memset(r, 0, sizeof *r);
		return -1;
	}
	return 0;
}

int migrate_passwords(PGconn *conn, const struct wq_config *cfg, struct wq_error *e)
{
	const char *roles[] = {cfg->db_loader_user, cfg->db_reader_user};
	int set = 0;
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		char password[256];
		if (db_password(cfg, roles[i], password, sizeof password) < 0)
			continue;
		char *verifier = PQencryptPasswordConn(conn, password, roles[i], "scram-sha-256");
		sodium_memzero(password, sizeof password);
		if (!verifier)
			return err_set(e, "S4006", "could not set the password of %s", roles[i]);
		/* A utility statement takes no parameters: the name and the verifier escaped. */
		char *name = PQescapeIdentifier(conn, roles[i], strlen(roles[i]));
		char *literal = PQescapeLiteral(conn, verifier, strlen(verifier));
		char *sql =
		    name && literal ? xasprintf("ALTER ROLE %s PASSWORD %s", name, literal) : NULL;
		int rc = sql ? db_run(conn, e, sql, 0, NULL) : -1;
		PQfreemem(verifier);
		PQfreemem(name);
		PQfreemem(literal);
		free(sql);
		if (rc < 0)
			return err_set(e, "S4006", "could not set the password of %s", roles[i]);
		set++;
	}
	return set;
}
