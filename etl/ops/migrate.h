/* Schema migrations and the live SQL functions (sql/functions/README.md).
 * Everything of one run is one transaction. Migrations: sql/migrations/NNN_name.sql in order,
 * recorded in public.schema_migrations with a checksum; they carry DDL and signature
 * changes. A migration may replace earlier ones no longer in the tree (000, the baseline,
 * replaces 001-010): it lists them with their checksums, and a database that has them all
 * records it without running it.
 * Functions: one CREATE OR REPLACE per file under sql/functions, applied after the
 * migrations whenever a file's checksum differs from the one recorded in
 * public.schema_functions; a change under sql/functions/analytics (the builders and their
 * counting rules) rebuilds the analytics tables once, in the same transaction. */
#ifndef WQ_MIGRATE_H
#define WQ_MIGRATE_H

#include <libpq-fe.h>

#include "common/codelist.h"
#include "common/config.h"
#include "common/error.h"

struct migrate_result {
	int migrations; /* migration files applied */
	int functions;	/* function files (re)applied */
	int rebuilt;	/* 1 when the analytics tables were rebuilt */
};

/* Applies every migration of MIGRATIONS not yet recorded, then every function file of
 * FUNCTIONS whose checksum changed, then one rebuild if a builder changed and the
 * warehouse holds anything. With LISTS, warehouse.agency_source is first made what the
 * agencies' code list says (their sources, the lists of docs/methods.md "Hidden
 * victims"), and a change rebuilds too. Concurrent runs are serialised by an advisory lock. A
 * recorded migration whose file has changed is an error (S4002), since the database no
 * longer matches the files. Returns 0 with r filled, or -1 with e set (S4001 unreadable
 * directory or file, S4003 a migration failed, S4004 a function file failed, S4005 the
 * database has only some of the migrations a baseline replaces, S4007 the agencies'
 * sources more than 6 or a set of them not a code of the sources' list): nothing of the
 * run remains. */
int migrate_run(PGconn *conn, const char *migrations, const char *functions,
		const struct codelists *lists, struct migrate_result *r, struct wq_error *e);

/* Sets the passwords of the loader's and the reader's roles from their files in
 * [database] passwords (common/db.h), as SCRAM verifiers computed here: the password
 * itself never reaches the server or its log. A role without a file keeps what it has.
 * Returns how many were set, or -1 with e set (S4006). */
int migrate_passwords(PGconn *conn, const struct wq_config *cfg, struct wq_error *e);

#endif
