/* Union-find linkage (see linkage.h). Nodes 0..n-1 are the chunk's occurrences, nodes
 * n.. the distinct existing persons its tokens matched. Tokens are sorted once, so the
 * whole chunk links in O(T log T) for T tokens. */
#include "etl/linkage.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static size_t find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static void unite(size_t *parent, size_t a, size_t b)
{
	a = find(parent, a);
	b = find(parent, b);
	if (a != b)
		parent[a < b ? b : a] = a < b ? a : b;
}

struct tok_ref {
	const struct token *tok;
	size_t node;
};

static int by_token(const void *a, const void *b)
{
	return memcmp(((const struct tok_ref *)a)->tok->hash,
		      ((const struct tok_ref *)b)->tok->hash, TOKEN_BYTES);
}

static int match_by_token(const void *a, const void *b)
{
	return memcmp(((const struct link_match *)a)->token, ((const struct link_match *)b)->token,
		      TOKEN_BYTES);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void linkage_run(struct linkage *l, size_t n, const struct token *const *toks, const int *ntok,
		 struct link_match *matches, size_t n_matches)
{
	memset(l, 0, sizeof *l);
	l->n_occ = n;

	/* Distinct existing persons become nodes n..n+np-1. */
	int64_t *pids = xmalloc(sizeof(int64_t) * (n_matches + 1));
	size_t np = 0;
	for (size_t i = 0; i < n_matches; i++)
		pids[i] = matches[i].person_id;
	qsort(pids, n_matches, sizeof(int64_t), cmp_i64);
	for (size_t i = 0; i < n_matches; i++)
		if (np == 0 || pids[np - 1] != pids[i])
			pids[np++] = pids[i];
	if (n_matches)
		qsort(matches, n_matches, sizeof *matches, match_by_token);

	size_t nodes = n + np;
	size_t *parent = xmalloc(sizeof(size_t) * (nodes + 1));
	for (size_t i = 0; i < nodes; i++)
		parent[i] = i;

	size_t nt = 0;
	for (size_t i = 0; i < n; i++)
		nt += (size_t)ntok[i];
	struct tok_ref *refs = xmalloc(sizeof *refs * (nt + 1));
	nt = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < ntok[i]; k++)
			refs[nt++] = (struct tok_ref){&toks[i][k], i};
	qsort(refs, nt, sizeof *refs, by_token);

	/* Occurrences sharing a token; an occurrence and the person its token names. */
	l->new_tokens = xmalloc(sizeof *l->new_tokens * (nt + 1));
	for (size_t i = 0; i < nt; i++) {
		int first = i == 0 || by_token(&refs[i - 1], &refs[i]) != 0;
		if (!first) {
			unite(parent, refs[i - 1].node, refs[i].node);
			continue;
		}
		struct link_match key = {0};
		memcpy(key.token, refs[i].tok->hash, TOKEN_BYTES);
		struct link_match *m =
		    n_matches ? bsearch(&key, matches, n_matches, sizeof key, match_by_token)
			      : NULL;
		if (m) {
			int64_t *p = bsearch(&m->person_id, pids, np, sizeof(int64_t), cmp_i64);
			unite(parent, refs[i].node, n + (size_t)(p - pids));
		} else {
			l->new_tokens[l->n_new_tokens++] =
			    (struct link_new_token){refs[i].tok, refs[i].node};
		}
	}

	/* Number the components by root; each takes its lowest existing person. */
	size_t *comp_of_root = xmalloc(sizeof(size_t) * (nodes + 1));
	for (size_t i = 0; i < nodes; i++)
		comp_of_root[i] = SIZE_MAX;
	l->comp = xmalloc(sizeof(size_t) * (n + 1));
	l->comp_pid = xcalloc(nodes + 1, sizeof(int64_t));
	for (size_t i = 0; i < n; i++) {
		size_t r = find(parent, i);
		if (comp_of_root[r] == SIZE_MAX)
			comp_of_root[r] = l->n_comp++;
		l->comp[i] = comp_of_root[r];
	}
	l->merges = xmalloc(sizeof *l->merges * (np + 1));
	/* pids are ascending, so the first existing person seen in a component is its lowest. */
	for (size_t j = 0; j < np; j++) {
		size_t r = find(parent, n + j);
		size_t c = comp_of_root[r];
		if (c == SIZE_MAX)
			continue; /* cannot happen: every matched person is linked to an occurrence
				   */
		if (l->comp_pid[c] == 0)
			l->comp_pid[c] = pids[j];
		else
			l->merges[l->n_merges++] = (struct link_merge){pids[j], l->comp_pid[c]};
	}
	for (size_t i = 0; i < l->n_new_tokens; i++)
		l->new_tokens[i].comp = l->comp[l->new_tokens[i].comp];

	free(comp_of_root);
	free(refs);
	free(parent);
	free(pids);
}

void linkage_free(struct linkage *l)
{
	free(l->comp);
	free(l->comp_pid);
	free(l->merges);
	free(l->new_tokens);
	memset(l, 0, sizeof *l);
}
