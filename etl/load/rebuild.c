/* The rebuild on several connections (see rebuild.h). */
#include "etl/load/rebuild.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* A fact built on a connection of its own. */
struct part {
	const char *fact, *columns, *query; /* its row of warehouse.rebuild_parts */
	PGconn *conn;
	int copying;   /* its COPY has begun: rows may be read */
	char *first;   /* its first row, read while waiting for a fact to be ready */
	int first_len; /* that row's length; -1: the fact has no row */
	int relayed;
};

/* Opens the fact's connection in the rebuild's snapshot and sends its query. */
static int part_start(struct part *p, const struct wq_config *cfg, const char *snapshot,
		      struct wq_error *e)
{
	if (!(p->conn = db_connect(cfg, cfg->db_loader_user, e)))
		return -1;
	char *id = PQescapeLiteral(p->conn, snapshot, strlen(snapshot));
	struct strbuf sql;
	sb_init(&sql);
	/* Hash joins only, as in warehouse.rebuild_analytics (which says why). */
	sb_printf(&sql,
		  "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT %s; "
		  "SET LOCAL enable_nestloop = off",
		  id ? id : "''");
	PQfreemem(id);
	int rc = db_script(p->conn, e, sql.data);
	if (rc == 0) {
		sb_reset(&sql);
		sb_printf(&sql, "COPY (%s) TO STDOUT", p->query);
		if (!PQsendQuery(p->conn, sql.data))
			rc = db_error(p->conn, NULL, "S2002", e);
	}
	sb_free(&sql);
	return rc;
}

/* Waits until a fact not yet relayed has its first row (or is known to have none), and
 * returns its index; -1 with e set when a fact's connection failed. */
static int ready_part(struct part *parts, int n, struct wq_error *e)
{
	struct pollfd *fds = xcalloc((size_t)n, sizeof *fds);
	int found = -1, failed = 0;
	struct part *failed_part = NULL;
	while (found < 0 && !failed) {
		int nfds = 0;
		for (int i = 0; i < n && found < 0 && !failed; i++) {
			struct part *p = &parts[i];
			if (p->relayed)
				continue;
			failed_part = p;
			if (!PQconsumeInput(p->conn)) {
				failed = db_error(p->conn, NULL, "S2002", e);
				break;
			}
			if (!p->copying && !PQisBusy(p->conn)) {
				PGresult *r = PQgetResult(p->conn);
				p->copying = PQresultStatus(r) == PGRES_COPY_OUT;
				if (!p->copying)
					failed = db_error(p->conn, r, "S2002", e);
				PQclear(r);
			}
			if (p->copying) {
				p->first_len = PQgetCopyData(p->conn, &p->first, 1);
				if (p->first_len == -2)
					failed = db_error(p->conn, NULL, "S2002", e);
				else if (p->first_len != 0)
					found = i;
			}
			fds[nfds++] = (struct pollfd){PQsocket(p->conn), POLLIN, 0};
		}
		if (found < 0 && !failed && poll(fds, (nfds_t)nfds, -1) < 0 && errno != EINTR) {
			failed_part = NULL;
			failed =
			    err_set(e, "S2002", "could not wait for the analytics' builders: %s",
				    strerror(errno));
		}
	}
	free(fds);
	if (failed && failed_part)
		err_detail(e, "while building analytics.%s", failed_part->fact);
	return failed ? -1 : found;
}

/* Ends the fact's COPY out: 0 when its query succeeded, else -1 with e set. */
static int part_end(struct part *p, int len, struct wq_error *e)
{
	int rc = 0;
	PGresult *r;
	if (len == -2)
		rc = db_error(p->conn, NULL, "S2002", e);
	while ((r = PQgetResult(p->conn))) {
		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = db_error(p->conn, r, "S2002", e);
		PQclear(r);
	}
	return rc;
}

/* Copies the fact's rows into its table in the rebuild's transaction, as they are read. */
static int relay(PGconn *conn, struct part *p, struct wq_error *e)
{
	struct strbuf sql;
	sb_init(&sql);
	sb_printf(&sql, "COPY analytics.%s (%s) FROM STDIN", p->fact, p->columns);
	PGresult *r = db_exec(conn, e, sql.data, 0, NULL);
	sb_free(&sql);
	char *row = p->first;
	int len = p->first_len;
	p->first = NULL;
	if (!r) {
		PQfreemem(row);
		return -1;
	}
	PQclear(r);
	int put = 1;
	while (len > 0 && put == 1) {
		put = PQputCopyData(conn, row, len);
		PQfreemem(row);
		row = NULL;
		if (put == 1)
			len = PQgetCopyData(p->conn, &row, 0);
	}
	int rc = 0;
	if (put != 1)
		rc = db_error(conn, NULL, "S2002", e);
	else if (part_end(p, len, e) < 0)
		rc = -1;
	/* A builder that failed ends the COPY with an error: nothing of it stays. */
	if (PQputCopyEnd(conn, rc == 0 ? NULL : "a builder of the analytics failed") != 1 &&
	    rc == 0)
		rc = db_error(conn, NULL, "S2002", e);
	while ((r = PQgetResult(conn))) {
		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = db_error(conn, r, "S2002", e);
		PQclear(r);
	}
	return rc;
}

/* Stops a fact's query still running (a rebuild that failed) and closes its connection. */
static void part_close(struct part *p)
{
	if (!p->conn)
		return;
	if (PQtransactionStatus(p->conn) == PQTRANS_ACTIVE) {
		PGcancel *c = PQgetCancel(p->conn);
		char buf[256];
		if (c)
			PQcancel(c, buf, sizeof buf);
		PQfreeCancel(c);
	}
	PQfreemem(p->first);
	PQfinish(p->conn);
}

int rebuild_parallel(PGconn *conn, const struct wq_config *cfg, long *version, struct wq_error *e)
{
	PGresult *snap = NULL, *start = NULL, *list = NULL, *done = NULL;
	struct part *parts = NULL;
	struct strbuf analysed;
	int n = 0, rc = -1;
	sb_init(&analysed);
	if (!(snap = db_exec(conn, e, "SELECT pg_export_snapshot()", 0, NULL)) ||
	    !(start = db_exec(conn, e, "SELECT last_month, cap FROM warehouse.rebuild_start()", 0,
			      NULL)))
		goto out;
	const char *args[] = {PQgetisnull(start, 0, 0) ? NULL : PQgetvalue(start, 0, 0),
			      PQgetvalue(start, 0, 1)};
	if (!(list = db_exec(conn, e,
			     "SELECT fact, columns, query FROM warehouse.rebuild_parts($1, $2)", 2,
			     args)))
		goto out;
	n = PQntuples(list);
	parts = xcalloc((size_t)n, sizeof *parts);
	for (int i = 0; i < n; i++) {
		parts[i] = (struct part){PQgetvalue(list, i, 0), PQgetvalue(list, i, 1),
					 PQgetvalue(list, i, 2)};
		if (part_start(&parts[i], cfg, PQgetvalue(snap, 0, 0), e) < 0)
			goto out;
	}
	/* The facts in the order they are ready, each analysed once in: the others compute
	 * meanwhile. */
	sb_puts(&analysed, "{");
	for (int k = 0; k < n; k++) {
		int i = ready_part(parts, n, e);
		if (i < 0)
			goto out;
		if (relay(conn, &parts[i], e) < 0) {
			err_detail(e, "while building analytics.%s", parts[i].fact);
			goto out;
		}
		if (db_run(conn, e, "SELECT warehouse.analyze_fact($1)", 1, &parts[i].fact) < 0)
			goto out;
		parts[i].relayed = 1;
		sb_printf(&analysed, "%s%s", k ? "," : "", parts[i].fact);
	}
	sb_puts(&analysed, "}");
	const char *finish[] = {args[0], analysed.data};
	if (!(done = db_exec(conn, e, "SELECT warehouse.rebuild_finish($1, $2)", 2, finish)))
		goto out;
	*version = atol(PQgetvalue(done, 0, 0));
	rc = 0;
out:
	for (int i = 0; i < n; i++)
		part_close(&parts[i]);
	free(parts);
	sb_free(&analysed);
	PQclear(done);
	PQclear(list);
	PQclear(start);
	PQclear(snap);
	return rc;
}
