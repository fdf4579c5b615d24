/* The audit log (api.md: every query audited): every answered query (token id, normalised
 * query, status, cells released, epsilon charged) and every token change is a row of
 * audit.log in the hash chain of common/audit_chain.h, so that an edited or deleted
 * row is found by audit_verify. Query rows go through a bounded queue to a writer thread that
 * appends them in batches off the request path; a full queue drops the row and counts it (a counter
 * that must stay 0, exported at /healthz). No identifier, no token in any row. */
#ifndef WQ_AUDIT_H
#define WQ_AUDIT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/audit_chain.h"
#include "common/config.h"
#include "common/error.h"

struct audit;

/* Starts the writer (its own connection as the reader role). */
struct audit *audit_start(const struct wq_config *cfg, const uint8_t *key);
/* Writes what is queued and stops. */
void audit_stop(struct audit *a);

/* Queues one answered query; never blocks. */
void audit_query(struct audit *a, int token_id, const char *query, unsigned status, size_t cells,
		 double epsilon);
unsigned long audit_dropped(struct audit *a);
unsigned long audit_written(struct audit *a);

#endif
