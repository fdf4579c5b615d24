/* An agency's approval of a year of its submissions (docs/releases.md): an official release
 * holds a year once every agency approved it. Kept in warehouse.approval; any later change
 * to the agency's cases of that year reopens it (sql/functions/warehouse.case_changed.sql):
 * a year not yet released waits, a released one is carried as published, until the agency
 * approves again. */
#ifndef WQ_APPROVAL_H
#define WQ_APPROVAL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "common/codelist.h"
#include "common/error.h"

/* Records agency's approval of year, by BY (who: "cli", "token N"), audited: a year
 * approved again (reopened or not) is approved as of now. Written only while no case is
 * (the linkage lock): waited for a few seconds (wait), or only tried. S3013 an agency
 * that is no code of the list agencies (field agency), S3014 a year before 1900 or after
 * this one (field year), S3015 cases being written meanwhile; S2xxx the database.
 * Nothing is changed on a refusal. */
int approval_set(PGconn *conn, const uint8_t *audit_key, const struct codelists *lists,
		 const char *agency, long year, const char *by, int wait, struct wq_error *e);

/* The approvals, of agency or of all (NULL): an array of {agency, year, state (approved
 * or reopened), approved_at, reopened_at}. NULL with e set on a database failure. */
json_t *approval_list(PGconn *conn, const char *agency, struct wq_error *e);

#endif
