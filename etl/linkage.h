/* Person linkage within a chunk of records: occurrences (a victim or offender of one
 * case) that share a token are one person, and so are occurrences and existing persons
 * whose tokens match. Union-find over both; a component holding two or more existing
 * persons merges them into the lowest id (pseudonymisation.md). Pure: no database. */
#ifndef WQ_LINKAGE_H
#define WQ_LINKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "etl/pseudonym.h"

/* The pg_advisory_xact_lock key that serialises linkage (loads) with rotation. */
#define LINKAGE_LOCK_KEY "7270010"

/* A token already in the warehouse, and the person it points at. */
struct link_match {
	uint8_t token[TOKEN_BYTES];
	int64_t person_id;
};

struct link_merge {
	int64_t from, into;
};

/* A token of the chunk not yet stored, to be stored for component comp. */
struct link_new_token {
	const struct token *tok;
	size_t comp;
};

struct linkage {
	size_t n_occ;
	size_t *comp; /* per occurrence: its component, 0..n_comp-1 */
	size_t n_comp;
	int64_t *comp_pid; /* per component: the surviving existing person, or 0 (new) */
	struct link_merge *merges;
	size_t n_merges;
	struct link_new_token *new_tokens; /* distinct, sorted by token */
	size_t n_new_tokens;
};

/* Links N occurrences whose tokens are toks[i][0..ntok[i]-1] given the existing MATCHES
 * (any order). Always succeeds; the caller frees the result with linkage_free. The token
 * arrays are borrowed and must outlive the result. */
void linkage_run(struct linkage *l, size_t n, const struct token *const *toks, const int *ntok,
		 struct link_match *matches, size_t n_matches);
void linkage_free(struct linkage *l);

#endif
