/* Person linkage within a chunk of records: occurrences (a victim or offender of one
 * case) and the existing persons their tokens match are joined by constrained union-find
 * under the linkage rule of docs/privacy.md:
 *   - evidence is applied strongest first: an agreeing national ID, then an agreeing
 *     `demo` token (full name, birth date, sex), then an agreeing `demo_ph` token (family
 *     name, birth date, sex and the Soundex code of the given name), which links only
 *     when the two clusters also share a region: alone it is what twins and namesakes
 *     share;
 *   - two clusters are never joined when they hold different national IDs of one issuing
 *     country, nor when one case names both as two different persons: cannot-link
 *     constraints on the clusters, so no chain of links can join them either.
 * A component holding two or more existing persons merges them into the lowest id
 * (pseudonymisation.md). Pure: no database. */
#ifndef WQ_LINKAGE_H
#define WQ_LINKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "etl/pseudonym/pseudonym.h"

/* The pg_advisory_xact_lock key that serialises linkage (loads) with rotation. */
#define LINKAGE_LOCK_KEY "7270010"

/* A token already in the warehouse, and the person it points at. */
struct link_match {
	uint8_t token[TOKEN_BYTES];
	int64_t person_id;
};

/* A national ID token of an existing person that the chunk matched: what the
 * cannot-link constraint compares. */
struct link_id {
	int64_t person_id;
	char country[3];
	uint8_t token[TOKEN_BYTES];
};

/* A case of an existing person that the chunk matched, with its region (an index into
 * the regions code list). */
struct link_case {
	int64_t person_id, case_id;
	int region;
};

struct link_merge {
	int64_t from, into;
};

/* A token of the chunk not yet stored, to be stored for component comp. */
struct link_new_token {
	const struct token *tok;
	size_t comp;
};

/* What linkage_run reads: N occurrences with tokens toks[i][0..ntok[i]-1], the chunk's
 * case each belongs to (occurrences of one case are never one person) and its region;
 * the existing tokens they match (any order); and the national IDs and cases of the
 * persons matched. Any of the arrays of existing rows may be empty. */
struct link_input {
	size_t n;
	const struct token *const *toks;
	const int *ntok;
	const size_t *case_of;
	const int *region_of;
	struct link_match *matches;
	size_t n_matches;
	const struct link_id *ids;
	size_t n_ids;
	const struct link_case *cases;
	size_t n_cases;
	int cases_known; /* cases holds every case of every matched person */
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
	size_t vetoed; /* links refused by a cannot-link constraint */
	/* Without cases_known: the answer may depend on the matched persons' cases (a weak
	 * link to one, or a merge of two); run again with them. */
	int needs_cases;
};

/* Links the occurrences of IN. The persons' cases cost a query, and only a weak link to
 * an existing person or a merge of two needs them: without cases_known, a result that
 * would depend on them sets needs_cases, and the caller runs again with them. Always
 * succeeds; the caller frees the result with
 * linkage_free. The token arrays are borrowed and must outlive the result; in->matches
 * is sorted in place. */
void linkage_run(struct linkage *l, const struct link_input *in);
void linkage_free(struct linkage *l);

#endif
