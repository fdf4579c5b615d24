/* The restricted grammar (disclosure.md, layer 1), checked on a parsed query before any
 * SQL runs: dimensions per query by role ([disclosure] max_dims_policy and
 * max_dims_researcher; admin as policy), and the sensitive dimensions (the attributes
 * marked ATTR_SENSITIVE in common/attribute.c) only for researchers, as a dimension or a
 * filter, with at most 2 other dimensions. A broken rule is a 409 naming it. */
#ifndef WQ_GRAMMAR_H
#define WQ_GRAMMAR_H

#include "common/config.h"
#include "common/error.h"
#include "common/token.h"
#include "server/query.h"

#define GRAMMAR_SENSITIVE_OTHERS 2

/* The most dimensions role may ask for. */
int grammar_max_dims(const struct wq_config *cfg, enum role role);
int grammar_is_sensitive(const struct dimension *d);

/* 0, or -1 with e set (Q1005 too many dimensions for the role, Q1011 a sensitive
 * dimension for a role other than researcher, Q1012 a sensitive dimension with more than
 * 2 others); every one a 409. */
int grammar_check(const struct query *q, const struct wq_config *cfg, enum role role,
		  struct wq_error *e);

#endif
