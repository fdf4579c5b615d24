/* Numbered migrations (see migrate.h). Files run through the simple-query protocol,
 * since they hold several statements; their text is ours, never input from a user. */
#include "etl/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/xalloc.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, got;
	char *buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			buf = xrealloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int migrate_run(PGconn *conn, const char *dir, struct wq_error *e)
{
	char **files = NULL;
	size_t n = 0, cap = 0;
	int applied = 0, rc = -1;
	struct dirent *de;

	DIR *d = opendir(dir);
	if (!d) {
		err_set(e, "S4001", "could not open migrations directory \"%s\": %s", dir,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".sql") == 0) {
			xgrow((void **)&files, &cap, n + 1, sizeof(char *));
			files[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(files, n, sizeof(char *), by_name);

	if (db_run(conn, e,
		   "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
		   " name text PRIMARY KEY, checksum text NOT NULL,"
		   " applied_at timestamptz NOT NULL DEFAULT now())",
		   0, NULL) < 0)
		goto out;

	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *path = xasprintf("%s/%s", dir, files[i]);
		char *sql = read_all(path, &len);
		free(path);
		if (!sql) {
			err_set(e, "S4001", "could not read migration \"%s\"", files[i]);
			goto out;
		}
		uint8_t h[32];
		char sum[65];
		crypto_generichash(h, sizeof h, (const uint8_t *)sql, len, NULL, 0);
		sodium_bin2hex(sum, sizeof sum, h, sizeof h);

		const char *params[] = {files[i], sum};
		if (db_run(conn, e, "BEGIN", 0, NULL) < 0 ||
		    db_run(conn, e, "SELECT pg_advisory_xact_lock(7270001)", 0, NULL) < 0) {
			free(sql);
			goto out;
		}
		PGresult *res = db_exec(
		    conn, e, "SELECT checksum FROM public.schema_migrations WHERE name = $1", 1,
		    params);
		if (!res) {
			free(sql);
			goto rollback;
		}
		int done = PQntuples(res) > 0;
		int changed = done && strcmp(PQgetvalue(res, 0, 0), sum) != 0;
		PQclear(res);
		if (changed) {
			free(sql);
			err_set(e, "S4002", "migration \"%s\" has changed since it was applied",
				files[i]);
			err_hint(e, "Never edit an applied migration; add a new one.");
			goto rollback;
		}
		if (done) {
			free(sql);
			PQclear(PQexec(conn, "COMMIT"));
			continue;
		}
		res = PQexec(conn, sql);
		free(sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			db_error(conn, res, "S4003", e);
			err_hint(e, "Migration \"%s\" failed and was rolled back.", files[i]);
			PQclear(res);
			goto rollback;
		}
		PQclear(res);
		if (db_run(conn, e,
			   "INSERT INTO public.schema_migrations (name, checksum) VALUES ($1, $2)",
			   2, params) < 0 ||
		    db_run(conn, e, "COMMIT", 0, NULL) < 0)
			goto rollback;
		log_info("applied migration %s", files[i]);
		applied++;
	}
	rc = applied;
	goto out;
rollback:
	PQclear(PQexec(conn, "ROLLBACK"));
out:
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return rc;
}
