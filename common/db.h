/* Database connections and the few helpers every program needs around libpq. Queries
 * are always parameterised (PQexecParams); SQL text never contains request data. */
#ifndef WQ_DB_H
#define WQ_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "common/strbuf.h"

/* Connects as USER (one of the config's roles), retrying with exponential backoff
 * (200 ms doubling, capped at 5 s) up to db_connect_retries attempts. Returns NULL with
 * e set (S2001) when every attempt failed. The caller owns the connection (PQfinish).
 * With [database] passwords set, USER's password comes from the folder's USER.pgpass
 * (libpq's passfile: "*:*:*:USER:PASSWORD"), and no other role's file is opened: each
 * program reads its own role's file only, which its system user alone may read in a
 * deployment (docs/security.md). */
PGconn *db_connect(const struct wq_config *c, const char *user, struct wq_error *e);

/* The password in ROLE's file of [database] passwords, into out (NUL-terminated): 0, or
 * -1 when there is no such file or line (the role then has no password set by migrate).
 * The caller wipes out. */
int db_password(const struct wq_config *c, const char *role, char *out, size_t size);

/* Whether an idle connection is still usable, without a round trip: a server that
 * restarted or crashed has closed it, which shows as something to read on an idle socket
 * (its FATAL message, or the end of the stream). 0 for a connection to drop and make
 * again; at worst a connection is made again for nothing (one that LISTENs reads its
 * notifications first: common/http.c's heard_only). Never blocks. */
int db_alive(PGconn *conn);
/* Reads every result of the statement sent on conn (PQsendQuery), the answer complete:
 * 1 when each had status want, 0 otherwise. */
int db_results_are(PGconn *conn, ExecStatusType want);

/* Runs a command or query with text parameters. Returns the result (caller PQclears it)
 * when its status is COMMAND_OK, TUPLES_OK or COPY_IN; otherwise NULL with e set to
 * S2002 and the server's message (which never holds identifiers: we never send any). */
PGresult *db_exec(PGconn *conn, struct wq_error *e, const char *sql, int nparams,
		  const char *const *params);
/* db_exec with parameters in PostgreSQL's binary formats where BINARY[i] is set (LENGTHS
 * give their sizes): a large array parameter then costs the server no parsing. */
PGresult *db_exec_binary(PGconn *conn, struct wq_error *e, const char *sql, int nparams,
			 const char *const *params, const int *lengths, const int *binary);
/* Appends a bytea[] of N elements of SIZE bytes each, in the binary array format
 * (PostgreSQL's array_recv: one dimension, no nulls), for db_exec_binary. */
void db_bytea_array(struct strbuf *sb, const uint8_t *const *items, size_t n, size_t size);
/* db_exec for commands whose result is not needed; 0 or -1. */
int db_run(PGconn *conn, struct wq_error *e, const char *sql, int nparams,
	   const char *const *params);
/* Runs a fixed script of several statements (our own SQL text, never input) through the
 * simple-query protocol; 0 or -1 with e set (S2002). */
int db_script(PGconn *conn, struct wq_error *e, const char *script);
/* Sends a whole COPY FROM STDIN payload; 0 or -1 (S2003). */
int db_copy(PGconn *conn, struct wq_error *e, const char *copy_sql, const char *data, size_t len);
/* Fills e from a failed result (or the connection) under CODE. Returns -1. */
int db_error(PGconn *conn, const PGresult *res, const char *code, struct wq_error *e);

#endif
