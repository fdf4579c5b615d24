/* libpq helpers: connection with retry, parameterised execution, COPY, error mapping. */
#include "common/db.h"

#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

static void noop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *db_connect(const struct wq_config *c, const char *user, struct wq_error *e)
{
	char port[16], timeout[16];
	snprintf(port, sizeof port, "%d", c->db_port);
	snprintf(timeout, sizeof timeout, "%d", c->db_connect_timeout);
	char passfile[4096] = "";
	if (c->db_passwords && c->db_passwords[0])
		snprintf(passfile, sizeof passfile, "%s/%s.pgpass", c->db_passwords, user);
	/* The passfile last: without one, the list ends before it. */
	const char *const kw[] = {
	    "host",	"port", "dbname", "user", "connect_timeout", "application_name",
	    "passfile", NULL};
	const char *const val[] = {
	    c->db_host, port, c->db_name, user, timeout, "wiqaya", passfile[0] ? passfile : NULL,
	    NULL};
	long delay_ms = 200;

	for (int attempt = 1;; attempt++) {
		PGconn *conn = PQconnectdbParams(kw, val, 0);
		if (PQstatus(conn) == CONNECTION_OK) {
			PQsetNoticeProcessor(conn, noop_notice, NULL);
			return conn;
		}
		char reason[512];
		snprintf(reason, sizeof reason, "%s", PQerrorMessage(conn));
		reason[strcspn(reason, "\n")] = '\0';
		PQfinish(conn);
		if (attempt >= c->db_connect_retries) {
			err_set(e, "S2001", "could not connect to the database as \"%s\"", user);
			err_detail(e, "%s (after %d attempts)", reason, attempt);
			err_hint(e,
				 "Is the server running? `scripts/pg.sh start` starts the local "
				 "one; [database] in %s names the server.",
				 c->path ? c->path : "the config");
			return NULL;
		}
		log_warning("database not reachable (attempt %d of %d), retrying in %ld ms",
			    attempt, c->db_connect_retries, delay_ms);
		struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2;
	}
}

int db_password(const struct wq_config *c, const char *role, char *out, size_t size)
{
	char path[4096], line[1024];
	if (!c->db_passwords || !c->db_passwords[0])
		return -1;
	snprintf(path, sizeof path, "%s/%s.pgpass", c->db_passwords, role);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int rc = -1;
	size_t n = strlen(role);
	while (rc < 0 && fgets(line, sizeof line, f)) {
		/* "*:*:*:ROLE:PASSWORD": ours are written so (scripts/pg.sh), with no ':' or
		 * '\\' in the password to escape. */
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "*:*:*:", 6) == 0 && strncmp(line + 6, role, n) == 0 &&
		    line[6 + n] == ':' && line[7 + n] && strlen(line + 7 + n) < size) {
			memcpy(out, line + 7 + n, strlen(line + 7 + n) + 1);
			rc = 0;
		}
	}
	sodium_memzero(line, sizeof line);
	fclose(f);
	return rc;
}

int db_results_are(PGconn *conn, ExecStatusType want)
{
	int ok = 1;
	PGresult *r;
	while ((r = PQgetResult(conn))) {
		ok &= PQresultStatus(r) == want;
		PQclear(r);
	}
	return ok;
}

int db_alive(PGconn *conn)
{
	if (!conn || PQstatus(conn) != CONNECTION_OK)
		return 0;
	struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
	/* Anything waiting is the server's goodbye: libpq would take its FATAL message for a
	 * notice and keep the connection until a statement fails on it. */
	return poll(&p, 1, 0) == 0;
}

int db_error(PGconn *conn, const PGresult *res, const char *code, struct wq_error *e)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!msg)
		msg = PQerrorMessage(conn);
	err_set(e, code, "database error: %s", msg);
	e->message[strcspn(e->message, "\n")] = '\0';
	/* The server's DETAIL quotes key values of violated constraints, which may be
	 * pseudonyms: only the SQLSTATE is kept. */
	if (sqlstate)
		err_detail(e, "SQLSTATE %s", sqlstate);
	return -1;
}

PGresult *db_exec(PGconn *conn, struct wq_error *e, const char *sql, int nparams,
		  const char *const *params)
{
	return db_exec_binary(conn, e, sql, nparams, params, NULL, NULL);
}

PGresult *db_exec_binary(PGconn *conn, struct wq_error *e, const char *sql, int nparams,
			 const char *const *params, const int *lengths, const int *binary)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, lengths, binary, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN)
		return res;
	db_error(conn, res, "S2002", e);
	PQclear(res);
	return NULL;
}

/* Network byte order, as every integer of the binary formats. */
static void put_be32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	sb_put(sb, b, 4);
}

void db_bytea_array(struct strbuf *sb, const uint8_t *const *items, size_t n, size_t size)
{
	enum { BYTEA_OID = 17 };
	put_be32(sb, n ? 1 : 0); /* dimensions: none for an empty array */
	put_be32(sb, 0);	 /* no nulls */
	put_be32(sb, BYTEA_OID);
	if (n == 0)
		return;
	put_be32(sb, (uint32_t)n); /* the dimension's length, and its lower bound */
	put_be32(sb, 1);
	for (size_t i = 0; i < n; i++) {
		put_be32(sb, (uint32_t)size);
		sb_put(sb, items[i], size);
	}
}

int db_run(PGconn *conn, struct wq_error *e, const char *sql, int nparams,
	   const char *const *params)
{
	PGresult *res = db_exec(conn, e, sql, nparams, params);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int db_script(PGconn *conn, struct wq_error *e, const char *script)
{
	PGresult *res = PQexec(conn, script);
	ExecStatusType st = PQresultStatus(res);
	int rc =
	    st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : db_error(conn, res, "S2002", e);
	PQclear(res);
	return rc;
}

int db_copy(PGconn *conn, struct wq_error *e, const char *copy_sql, const char *data, size_t len)
{
	PGresult *res = PQexec(conn, copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		db_error(conn, res, "S2003", e);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	int ok = 1;
	size_t off = 0;
	while (ok && off < len) {
		size_t n = len - off > (1 << 20) ? (1 << 20) : len - off;
		ok = PQputCopyData(conn, data + off, (int)n) == 1;
		off += n;
	}
	if (PQputCopyEnd(conn, ok ? NULL : "client failure") != 1)
		ok = 0;
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error(conn, res, "S2003", e);
		ok = 0;
	}
	PQclear(res);
	while ((res = PQgetResult(conn)))
		PQclear(res);
	return ok ? 0 : -1;
}
