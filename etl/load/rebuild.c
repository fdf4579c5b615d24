/* The rebuild on several connections (see rebuild.h). */
#include "etl/load/rebuild.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/cores.h"
#include "common/db.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* The builders at most: one a fact (warehouse.rebuild_parts has four). */
#define REBUILD_MAX_BUILDERS 4

/* A connection that builds facts, one after the other, in the rebuild's snapshot. */
struct builder {
	PGconn *conn;
};

/* A fact, built on one of the builders' connections. */
struct part {
	const char *fact, *columns, *query; /* its row of warehouse.rebuild_parts */
	PGconn *conn;			    /* its builder's */
	int sent;			    /* its query is sent */
	int copying;			    /* its COPY has begun: rows may be read */
	char *first;			    /* its first row, read while waiting for a fact */
	int first_len;			    /* that row's length; -1: the fact has no row */
	int relayed;
};

/* Opens a builder's connection in the rebuild's snapshot, read only. */
static int builder_open(struct builder *b, const struct wq_config *cfg, const char *snapshot,
			struct wq_error *e)
{
	if (!(b->conn = db_connect(cfg, cfg->db_loader_user, e)))
		return -1;
	char *id = PQescapeLiteral(b->conn, snapshot, strlen(snapshot));
	struct strbuf sql;
	sb_init(&sql);
	/* Hash joins only, as in warehouse.rebuild_analytics (which says why). */
	sb_printf(&sql,
		  "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT %s; "
		  "SET LOCAL enable_nestloop = off",
		  id ? id : "''");
	PQfreemem(id);
	int rc = db_script(b->conn, e, sql.data);
	sb_free(&sql);
	return rc;
}

/* Stops a builder's query still running (a rebuild that failed) and closes it. */
static void builder_close(struct builder *b)
{
	if (!b->conn)
		return;
	if (PQtransactionStatus(b->conn) == PQTRANS_ACTIVE) {
		PGcancel *c = PQgetCancel(b->conn);
		char buf[256];
		if (c)
			PQcancel(c, buf, sizeof buf);
		PQfreeCancel(c);
	}
	PQfinish(b->conn);
	b->conn = NULL;
}

/* Sends the fact's query on its builder's connection. */
static int part_send(struct part *p, struct wq_error *e)
{
	struct strbuf sql;
	sb_init(&sql);
	sb_printf(&sql, "COPY (%s) TO STDOUT", p->query);
	int rc = PQsendQuery(p->conn, sql.data) ? 0 : db_error(p->conn, NULL, "S2002", e);
	sb_free(&sql);
	p->sent = 1;
	return rc;
}

/* Adds to e which fact failed, after what the server said. */
static void building(struct wq_error *e, const struct part *p)
{
	char said[sizeof e->detail];
	snprintf(said, sizeof said, "%s", e->detail);
	err_detail(e, "%s%swhile building analytics.%s", said, said[0] ? "; " : "", p->fact);
}

/* Whether a builder waits, through a chain of lock waits, for the rebuild: its own
 * transaction, or a builder, which holds its locks until the rebuild ends. PostgreSQL
 * sees no deadlock there, since the rebuild waits for the builder in this process, not
 * for a lock (a migration's ALTER queued behind a lock the rebuild or a builder holds,
 * and a builder's read queued behind the ALTER). 1, 0, or -1 with e set. */
static int waits_for_rebuild(PGconn *conn, const struct part *parts, int n,
			     const struct builder *builders, int nb, struct wq_error *e)
{
	struct strbuf waiting, ours;
	sb_init(&waiting);
	sb_init(&ours);
	sb_putc(&waiting, '{');
	for (int i = 0; i < n; i++)
		if (parts[i].sent && !parts[i].relayed)
			sb_printf(&waiting, "%s%d", waiting.len > 1 ? "," : "",
				  PQbackendPID(parts[i].conn));
	sb_putc(&waiting, '}');
	sb_putc(&ours, '{');
	for (int b = 0; b < nb; b++)
		sb_printf(&ours, "%s%d", b ? "," : "", PQbackendPID(builders[b].conn));
	sb_putc(&ours, '}');
	const char *params[] = {waiting.data, ours.data};
	/* (Builders never block one another: they only read.) */
	PGresult *r =
	    db_exec(conn, e,
		    "WITH RECURSIVE w (pid) AS ("
		    "  SELECT unnest(pg_blocking_pids(b)) FROM unnest($1::int[]) b"
		    "  UNION SELECT unnest(pg_blocking_pids(w.pid)) FROM w) "
		    "SELECT EXISTS (SELECT FROM w "
		    "               WHERE pid = pg_backend_pid() OR pid = ANY ($2::int[]))",
		    2, params);
	sb_free(&waiting);
	sb_free(&ours);
	int rc = r ? PQgetvalue(r, 0, 0)[0] == 't' : -1;
	PQclear(r);
	if (rc == 1) {
		err_set(e, "S2002",
			"the analytics' builders wait for a lock that waits for the rebuild");
		err_hint(e, "Run the rebuild again once the other transaction (a migration, a "
			    "table's ALTER) has ended.");
	}
	return rc;
}

/* Waits until a fact sent and not yet relayed has its first row (or is known to have
 * none), and returns its index; -1 with e set when a fact's connection failed, or when a
 * builder waits for the rebuild (checked each second of waiting). */
static int ready_part(PGconn *conn, struct part *parts, int n, const struct builder *builders,
		      int nb, struct wq_error *e)
{
	struct pollfd *fds = xcalloc((size_t)n, sizeof *fds);
	int found = -1, failed = 0;
	struct part *failed_part = NULL;
	while (found < 0 && !failed) {
		int nfds = 0;
		for (int i = 0; i < n && found < 0 && !failed; i++) {
			struct part *p = &parts[i];
			if (!p->sent || p->relayed)
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
		if (found >= 0 || failed)
			break;
		failed_part = NULL;
		int ready = poll(fds, (nfds_t)nfds, 1000);
		if (ready < 0 && errno != EINTR)
			failed =
			    err_set(e, "S2002", "could not wait for the analytics' builders: %s",
				    strerror(errno));
		else if (ready == 0 && waits_for_rebuild(conn, parts, n, builders, nb, e) != 0)
			failed = -1;
	}
	free(fds);
	if (failed && failed_part)
		building(e, failed_part);
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
		ExecStatusType st = PQresultStatus(r);
		if (rc == 0 && st != PGRES_COMMAND_OK)
			rc = db_error(p->conn, r, "S2002", e);
		PQclear(r);
		if (st == PGRES_COPY_OUT) /* still copying: a failure, the connection is dropped */
			break;
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
		ExecStatusType st = PQresultStatus(r);
		if (rc == 0 && st != PGRES_COMMAND_OK)
			rc = db_error(conn, r, "S2002", e);
		PQclear(r);
		if (st == PGRES_COPY_IN) /* the end could not be sent: the rebuild fails */
			break;
	}
	return rc;
}

/* Opens up to MOST builders in the rebuild's snapshot, before the rebuild takes its
 * locks: as many as open (a server at its max_connections refuses some), 0 when none
 * did. */
static int builders_open(struct builder *builders, int most, const struct wq_config *cfg,
			 const char *snapshot)
{
	/* One attempt each: a server that refuses one now is full, not away (the rebuild's
	 * own connection is there). */
	struct wq_config once = *cfg;
	once.db_connect_retries = 1;
	int nb = 0;
	struct wq_error e;
	while (nb < most && builder_open(&builders[nb], &once, snapshot, &e) == 0)
		nb++;
	if (nb < most) {
		builder_close(&builders[nb]);
		log_warning("rebuild: %d of %d builders' connections: %s: %s", nb, most, e.code,
			    e.message);
	}
	return nb;
}

/* The facts built on the builders, copied in as they are ready; their names, as an array
 * literal, into analysed. */
static int build_parts(PGconn *conn, struct part *parts, int n, struct builder *builders, int nb,
		       struct strbuf *analysed, struct wq_error *e)
{
	/* The first fact, the victim-years (the longest by far), has a builder to itself,
	 * and the others share the rest, one after the other, so that the longest is never
	 * slowed by the others, which are built and copied in meanwhile. */
	for (int i = 0; i < n; i++) {
		int b = nb == 1 ? 0 : i == 0 ? 0 : 1 + (i - 1) % (nb - 1);
		parts[i].conn = builders[b].conn;
		if (i < nb && part_send(&parts[i], e) < 0)
			return -1;
	}
	/* The facts in the order they are ready, each analysed once in: the others compute
	 * meanwhile; a builder then starts its next. */
	sb_puts(analysed, "{");
	for (int k = 0; k < n; k++) {
		int i = ready_part(conn, parts, n, builders, nb, e);
		if (i < 0)
			return -1;
		if (relay(conn, &parts[i], e) < 0) {
			building(e, &parts[i]);
			return -1;
		}
		parts[i].relayed = 1;
		for (int j = i + 1; j < n; j++)
			if (parts[j].conn == parts[i].conn && !parts[j].sent) {
				if (part_send(&parts[j], e) < 0)
					return -1;
				break;
			}
		if (db_run(conn, e, "SELECT warehouse.analyze_fact($1)", 1, &parts[i].fact) < 0)
			return -1;
		sb_printf(analysed, "%s%s", k ? "," : "", parts[i].fact);
	}
	sb_puts(analysed, "}");
	return 0;
}

int rebuild_parallel(PGconn *conn, const struct wq_config *cfg, long *version, struct wq_error *e)
{
	PGresult *snap = NULL, *start = NULL, *list = NULL, *done = NULL;
	struct part *parts = NULL;
	struct builder builders[REBUILD_MAX_BUILDERS] = {{0}};
	struct strbuf analysed;
	int n = 0, nb = 0, rc = -1;
	sb_init(&analysed);
	if (!(snap = db_exec(conn, e, "SELECT pg_export_snapshot()", 0, NULL)))
		goto out;
	nb = builders_open(builders, cores(REBUILD_MAX_BUILDERS), cfg, PQgetvalue(snap, 0, 0));
	if (!(start = db_exec(conn, e, "SELECT last_month, cap FROM warehouse.rebuild_start()", 0,
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
	for (int i = 0; i < n; i++)
		parts[i] = (struct part){PQgetvalue(list, i, 0), PQgetvalue(list, i, 1),
					 PQgetvalue(list, i, 2)};
	if (nb > n)
		nb = n;
	/* No builder: the facts built in this transaction, as warehouse.rebuild_analytics
	 * builds them (hash joins only, which it says why). */
	if (nb > 0 ? build_parts(conn, parts, n, builders, nb, &analysed, e) < 0
		   : db_run(conn, e, "SET LOCAL enable_nestloop = off", 0, NULL) < 0 ||
			 db_run(conn, e, "SELECT warehouse.build_analytics(NULL, NULL, $1, $2)", 2,
				args) < 0)
		goto out;
	const char *finish[] = {args[0], nb > 0 ? analysed.data : "{}"};
	if (!(done = db_exec(conn, e, "SELECT warehouse.rebuild_finish($1, $2)", 2, finish)))
		goto out;
	*version = atol(PQgetvalue(done, 0, 0));
	rc = 0;
out:
	for (int b = 0; b < REBUILD_MAX_BUILDERS; b++)
		builder_close(&builders[b]);
	for (int i = 0; i < n; i++)
		PQfreemem(parts[i].first);
	free(parts);
	sb_free(&analysed);
	PQclear(done);
	PQclear(list);
	PQclear(start);
	PQclear(snap);
	return rc;
}
