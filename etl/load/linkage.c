/* Constrained union-find linkage (see linkage.h). Nodes 0..n-1 are the chunk's
 * occurrences, nodes n.. the distinct existing persons its tokens matched. Every root
 * carries what the constraints compare: the national IDs, cases and regions of its
 * cluster. Tokens are sorted once; each pass of evidence walks the groups of one kind,
 * so the chunk links in O(T log T) for T tokens plus the (small) constraint checks. */
#include "etl/load/linkage.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* What a cluster holds that a constraint compares. */
enum fact_kind { FACT_ID, FACT_CHUNK_CASE, FACT_DB_CASE, FACT_REGION };

struct fact {
	enum fact_kind kind;
	const char *country;  /* FACT_ID */
	const uint8_t *token; /* FACT_ID */
	int64_t value;	      /* the case (chunk index or case_id) or the region */
};

struct facts {
	struct fact *v;
	size_t n, cap;
};

struct uf {
	size_t *parent;
	struct facts *facts; /* per node; valid at roots */
	size_t vetoed;
	size_t *npersons; /* per root: the existing persons its cluster holds */
	int cases_known;  /* persons' cases and regions are among the facts */
	int needs_cases;  /* a decision wanted them and they were not known */
};

static void fact_add(struct facts *f, struct fact x)
{
	for (size_t i = 0; i < f->n; i++) /* regions and cases repeat: keep each once */
		if (x.kind != FACT_ID && f->v[i].kind == x.kind && f->v[i].value == x.value)
			return;
	xgrow((void **)&f->v, &f->cap, f->n + 1, sizeof *f->v);
	f->v[f->n++] = x;
}

static size_t find(struct uf *u, size_t x)
{
	while (u->parent[x] != x) {
		u->parent[x] = u->parent[u->parent[x]];
		x = u->parent[x];
	}
	return x;
}

/* Two clusters that must stay apart: different national IDs of one issuing country, or
 * two persons of one case. */
static int cannot_link(const struct facts *a, const struct facts *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			const struct fact *x = &a->v[i], *y = &b->v[j];
			if (x->kind != y->kind)
				continue;
			if (x->kind == FACT_ID && strcmp(x->country, y->country) == 0 &&
			    memcmp(x->token, y->token, TOKEN_BYTES) != 0)
				return 1;
			if ((x->kind == FACT_CHUNK_CASE || x->kind == FACT_DB_CASE) &&
			    x->value == y->value)
				return 1;
		}
	return 0;
}

static int share_region(const struct facts *a, const struct facts *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (a->v[i].kind == FACT_REGION && b->v[j].kind == FACT_REGION &&
			    a->v[i].value == b->v[j].value)
				return 1;
	return 0;
}

/* Joins the clusters of a and b unless a constraint forbids it (or, for weak evidence,
 * they share no region). The lower root survives, so that existing persons (the nodes
 * after the occurrences) end up under an occurrence's root only when linked to one. */
static void unite(struct uf *u, size_t a, size_t b, int weak)
{
	a = find(u, a);
	b = find(u, b);
	if (a == b)
		return;
	if (cannot_link(&u->facts[a], &u->facts[b])) {
		u->vetoed++;
		return;
	}
	if (weak && !share_region(&u->facts[a], &u->facts[b])) {
		/* An existing person's regions are its cases': unknown yet, they may agree. */
		if (!u->cases_known && (u->npersons[a] || u->npersons[b]))
			u->needs_cases = 1;
		return;
	}
	size_t into = a < b ? a : b, from = a < b ? b : a;
	u->parent[from] = into;
	u->npersons[into] += u->npersons[from];
	struct facts *f = &u->facts[from];
	for (size_t i = 0; i < f->n; i++)
		fact_add(&u->facts[into], f->v[i]);
	free(f->v);
	*f = (struct facts){0};
}

struct tok_ref {
	const struct token *tok;
	size_t node;
};

static int by_token(const void *a, const void *b)
{
	const struct token *x = ((const struct tok_ref *)a)->tok,
			   *y = ((const struct tok_ref *)b)->tok;
	int c = memcmp(x->hash, y->hash, TOKEN_BYTES);
	if (c)
		return c;
	size_t p = ((const struct tok_ref *)a)->node, q = ((const struct tok_ref *)b)->node;
	return (p > q) - (p < q); /* stable: the first occurrence anchors its group */
}

static int same_token(const struct tok_ref *a, const struct tok_ref *b)
{
	return memcmp(a->tok->hash, b->tok->hash, TOKEN_BYTES) == 0;
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

/* The node of existing person pid, or SIZE_MAX when the chunk matched no token of it. */
static size_t person_node(const int64_t *pids, size_t np, size_t n, int64_t pid)
{
	const int64_t *p = bsearch(&pid, pids, np, sizeof *pids, cmp_i64);
	return p ? n + (size_t)(p - pids) : SIZE_MAX;
}

/* The evidence passes, strongest first; weak evidence also needs a shared region. */
static const struct {
	enum token_kind kind;
	int weak;
} passes[] = {{TOKEN_ID, 0}, {TOKEN_DEMO, 0}, {TOKEN_DEMO_PH, 1}};

void linkage_run(struct linkage *l, const struct link_input *in)
{
	size_t n = in->n;
	memset(l, 0, sizeof *l);
	l->n_occ = n;

	/* Distinct existing persons become nodes n..n+np-1. */
	int64_t *pids = xmalloc(sizeof(int64_t) * (in->n_matches + 1));
	size_t np = 0;
	for (size_t i = 0; i < in->n_matches; i++)
		pids[i] = in->matches[i].person_id;
	qsort(pids, in->n_matches, sizeof(int64_t), cmp_i64);
	for (size_t i = 0; i < in->n_matches; i++)
		if (np == 0 || pids[np - 1] != pids[i])
			pids[np++] = pids[i];
	if (in->n_matches)
		qsort(in->matches, in->n_matches, sizeof *in->matches, match_by_token);

	size_t nodes = n + np;
	struct uf u = {xmalloc(sizeof(size_t) * (nodes + 1)),
		       xcalloc(nodes + 1, sizeof(struct facts)),
		       0,
		       xcalloc(nodes + 1, sizeof(size_t)),
		       in->cases_known,
		       0};
	for (size_t i = 0; i < nodes; i++) {
		u.parent[i] = i;
		u.npersons[i] = i >= n;
	}

	/* What each node holds: an occurrence its national ID, case and region; a person
	 * its national IDs, cases and their regions. */
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		nt += (size_t)in->ntok[i];
		for (int k = 0; k < in->ntok[i]; k++)
			if (in->toks[i][k].kind == TOKEN_ID)
				fact_add(&u.facts[i], (struct fact){FACT_ID, in->toks[i][k].country,
								    in->toks[i][k].hash, 0});
		if (in->case_of)
			fact_add(&u.facts[i], (struct fact){FACT_CHUNK_CASE, NULL, NULL,
							    (int64_t)in->case_of[i]});
		if (in->region_of)
			fact_add(&u.facts[i],
				 (struct fact){FACT_REGION, NULL, NULL, in->region_of[i]});
	}
	for (size_t i = 0; i < in->n_ids; i++) {
		size_t node = person_node(pids, np, n, in->ids[i].person_id);
		if (node != SIZE_MAX)
			fact_add(&u.facts[node],
				 (struct fact){FACT_ID, in->ids[i].country, in->ids[i].token, 0});
	}
	for (size_t i = 0; i < in->n_cases; i++) {
		size_t node = person_node(pids, np, n, in->cases[i].person_id);
		if (node == SIZE_MAX)
			continue;
		fact_add(&u.facts[node],
			 (struct fact){FACT_DB_CASE, NULL, NULL, in->cases[i].case_id});
		fact_add(&u.facts[node],
			 (struct fact){FACT_REGION, NULL, NULL, in->cases[i].region});
	}

	struct tok_ref *refs = xmalloc(sizeof *refs * (nt + 1));
	nt = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < in->ntok[i]; k++)
			refs[nt++] = (struct tok_ref){&in->toks[i][k], i};
	qsort(refs, nt, sizeof *refs, by_token);

	/* Each group of equal tokens: its existing person (if the token is stored) or its
	 * first occurrence anchors it; a token not stored is new, for the anchor's cluster. */
	size_t *anchor = xmalloc(sizeof(size_t) * (nt + 1));
	l->new_tokens = xmalloc(sizeof *l->new_tokens * (nt + 1));
	for (size_t i = 0; i < nt; i++) {
		if (i > 0 && same_token(&refs[i - 1], &refs[i])) {
			anchor[i] = anchor[i - 1];
			continue;
		}
		struct link_match key = {0};
		memcpy(key.token, refs[i].tok->hash, TOKEN_BYTES);
		struct link_match *m = in->n_matches ? bsearch(&key, in->matches, in->n_matches,
							       sizeof key, match_by_token)
						     : NULL;
		if (m) {
			anchor[i] = person_node(pids, np, n, m->person_id);
		} else {
			anchor[i] = refs[i].node;
			l->new_tokens[l->n_new_tokens++] =
			    (struct link_new_token){refs[i].tok, refs[i].node};
		}
	}
	for (size_t p = 0; p < sizeof passes / sizeof passes[0]; p++)
		for (size_t i = 0; i < nt; i++)
			if (refs[i].tok->kind == passes[p].kind)
				unite(&u, anchor[i], refs[i].node, passes[p].weak);
	l->vetoed = u.vetoed;
	/* Two existing persons in one cluster: whether one case names both is in their cases. */
	for (size_t i = 0; !u.cases_known && i < nodes; i++)
		if (u.parent[i] == i && u.npersons[i] >= 2)
			u.needs_cases = 1;
	l->needs_cases = u.needs_cases;

	/* Number the components by root; each takes its lowest existing person. */
	size_t *comp_of_root = xmalloc(sizeof(size_t) * (nodes + 1));
	for (size_t i = 0; i < nodes; i++)
		comp_of_root[i] = SIZE_MAX;
	l->comp = xmalloc(sizeof(size_t) * (n + 1));
	l->comp_pid = xcalloc(nodes + 1, sizeof(int64_t));
	for (size_t i = 0; i < n; i++) {
		size_t r = find(&u, i);
		if (comp_of_root[r] == SIZE_MAX)
			comp_of_root[r] = l->n_comp++;
		l->comp[i] = comp_of_root[r];
	}
	l->merges = xmalloc(sizeof *l->merges * (np + 1));
	/* pids are ascending, so the first existing person seen in a component is its lowest.
	 * A person whose every link was refused is in no component: nothing happens to it. */
	for (size_t j = 0; j < np; j++) {
		size_t c = comp_of_root[find(&u, n + j)];
		if (c == SIZE_MAX)
			continue;
		if (l->comp_pid[c] == 0)
			l->comp_pid[c] = pids[j];
		else
			l->merges[l->n_merges++] = (struct link_merge){pids[j], l->comp_pid[c]};
	}
	for (size_t i = 0; i < l->n_new_tokens; i++)
		l->new_tokens[i].comp = l->comp[l->new_tokens[i].comp];

	for (size_t i = 0; i < nodes; i++)
		free(u.facts[i].v);
	free(u.facts);
	free(u.parent);
	free(u.npersons);
	free(anchor);
	free(comp_of_root);
	free(refs);
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
