/* Writing a chunk (see chunk.h): find what the warehouse holds of it, drop duplicate
 * cases, link, then write persons, merges, tokens, cases and rows, each with one COPY.
 * Over 600 lines because each step's SQL sits with the code that fills its rows: split
 * apart, neither would read without the other. */
#include "etl/load/chunk.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/xalloc.h"
#include "common/copy.h"
#include "etl/load/linkage.h"
#include "common/month.h"

void chunk_init(struct chunk *ch)
{
	ch->cases = xcalloc(CHUNK_CASES, sizeof(struct case_rec));
	ch->n_cases = 0;
	sb_init(&ch->rejects);
}

void chunk_free(struct chunk *ch)
{
	for (size_t i = 0; i < ch->n_cases; i++)
		rec_free(&ch->cases[i]);
	free(ch->cases);
	ch->cases = NULL;
	ch->n_cases = 0;
	sb_free(&ch->rejects);
}

/* The staging tables of merges and resubmissions (most chunks use neither: the rest goes
 * by array and JSON parameters). ON COMMIT DELETE ROWS, not DROP: the intake's committer
 * creates them once per connection, not once per transaction. */
static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_merge (from_person bigint, into_person bigint)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_gone (person_id bigint) ON COMMIT DELETE ROWS;";

int chunk_prepare(struct batch *b, struct wq_error *e)
{
	b->staged = 0;
	return db_script(b->conn, e, stage_sql);
}

/* Empties a staging table before its use by a chunk: only when an earlier chunk of this
 * transaction filled it (every transaction starts with them empty: ON COMMIT DELETE ROWS,
 * and a rollback leaves nothing). A TRUNCATE costs a new file and a catalogue update, a
 * millisecond that a small commit cannot spare. */
static int stage_empty(struct batch *b, unsigned table, const char *truncate, struct wq_error *e)
{
	if (!(b->staged & table)) {
		b->staged |= table;
		return 0;
	}
	return db_run(b->conn, e, truncate, 0, NULL);
}

/* One chunk's work: what the warehouse holds of it, its person occurrences, their
 * linkage, and scratch buffers. */
struct work {
	/* From the warehouse: stored tokens the chunk matched, and the national IDs and
	 * cases (with regions) of the persons they point at. */
	struct link_match *matches;
	size_t n_matches;
	struct link_id *ids;
	size_t n_ids;
	struct link_case *cases;
	size_t n_cases;
	/* Per case: its id when it exists, 0 when new, -1 when this batch wrote it already. */
	int64_t *case_ids;
	/* Per occurrence (a victim or offender of a case): the person, its tokens, role,
	 * case and region. */
	size_t n_occ;
	struct person_rec **occ;
	const struct token **toks;
	int *ntok;
	char *is_offender;
	size_t *case_of;
	int *region_of;
	struct linkage l;
	struct strbuf resubmitted; /* "{id,...}" of the cases replaced */
	struct strbuf matched;	   /* "{id,...}" of the persons matched */
	struct strbuf sb;
};

static void work_free(struct work *w)
{
	free(w->matches);
	free(w->ids);
	free(w->cases);
	free(w->case_ids);
	free(w->occ);
	free(w->toks);
	free(w->ntok);
	free(w->is_offender);
	free(w->case_of);
	free(w->region_of);
	linkage_free(&w->l);
	sb_free(&w->resubmitted);
	sb_free(&w->matched);
	sb_free(&w->sb);
}

/* A case's persons: its victims, then its offenders. */
static int persons_of(const struct case_rec *c)
{
	return c->n_victims + c->n_offenders;
}

static struct person_rec *person_of(const struct case_rec *c, int v)
{
	return v < c->n_victims ? &c->victims[v] : &c->offenders[v - c->n_victims];
}

static void unescape_token(PGresult *res, int row, int col, uint8_t out[TOKEN_BYTES])
{
	size_t len;
	unsigned char *raw = PQunescapeBytea((unsigned char *)PQgetvalue(res, row, col), &len);
	memcpy(out, raw, len == TOKEN_BYTES ? TOKEN_BYTES : 0);
	PQfreemem(raw);
}

static int region_index(const struct batch *b, const char *code)
{
	const struct code_list *l = codelists_get(b->ctx.lists, "regions");
	return l ? codelist_index(l, code) : -1;
}

/* ---- what the warehouse holds of the chunk ---- */

/* The matched persons' ids as an array literal, for = ANY($1) (once per chunk). */
static void matched_ids(struct work *w)
{
	struct strbuf *ids = &w->matched;
	sb_reset(ids);
	sb_putc(ids, '{');
	for (size_t i = 0; i < w->n_matches; i++)
		sb_printf(ids, "%s%" PRId64, i ? "," : "", w->matches[i].person_id);
	sb_putc(ids, '}');
}

/* The national IDs of the matched persons: what the cannot-link rule compares. */
static int fetch_ids(struct batch *b, struct work *w, struct wq_error *e)
{
	const char *params[] = {w->matched.data};
	PGresult *res = db_exec(b->conn, e,
				"SELECT person_id, id_country, token FROM warehouse.person_token "
				"WHERE kind = 1 AND person_id = ANY($1::bigint[])",
				1, params);
	if (!res)
		return -1;
	w->n_ids = (size_t)PQntuples(res);
	w->ids = xcalloc(w->n_ids + 1, sizeof *w->ids);
	for (size_t i = 0; i < w->n_ids; i++) {
		w->ids[i].person_id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		snprintf(w->ids[i].country, sizeof w->ids[i].country, "%s",
			 PQgetvalue(res, (int)i, 1));
		unescape_token(res, (int)i, 2, w->ids[i].token);
	}
	PQclear(res);
	return 0;
}

/* The cases (with regions) of the matched persons: asked only when linkage needs them
 * (a weak link to an existing person, or a merge), since most chunks have neither and
 * the query was a quarter of a load's database time. */
static int fetch_cases(struct batch *b, struct work *w, struct wq_error *e)
{
	const char *params[] = {w->matched.data};
	PGresult *res = db_exec(b->conn, e,
				/* The region by a lookup per row: as a join, the planner
				 * would hash the whole case table for a few hundred rows. */
				"SELECT x.person_id, x.case_id, (SELECT c.region FROM "
				"  warehouse.\"case\" c WHERE c.case_id = x.case_id) FROM ("
				"  SELECT person_id, case_id FROM warehouse.victim"
				"  WHERE person_id = ANY($1::bigint[]) UNION "
				"  SELECT person_id, case_id FROM warehouse.offender"
				"  WHERE person_id = ANY($1::bigint[])) x",
				1, params);
	if (!res)
		return -1;
	w->n_cases = (size_t)PQntuples(res);
	w->cases = xcalloc(w->n_cases + 1, sizeof *w->cases);
	for (size_t i = 0; i < w->n_cases; i++) {
		w->cases[i].person_id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		w->cases[i].case_id = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
		w->cases[i].region = region_index(b, PQgetvalue(res, (int)i, 2));
	}
	PQclear(res);
	return 0;
}

/* The stored tokens and cases of the chunk's tokens and case keys: one query each, by
 * = ANY of an array (index probes whatever the chunk's size; no staging table, whose
 * truncation at every commit was a third of a small intake commit). The arrays go in
 * binary: as hex text, parsing them was a third of these queries' server time. */
static int fetch_existing(struct batch *b, struct chunk *ch, struct work *w, struct wq_error *e)
{
	size_t n_toks = 0;
	for (size_t i = 0; i < ch->n_cases; i++)
		for (int v = 0; v < persons_of(&ch->cases[i]); v++)
			n_toks += (size_t)person_of(&ch->cases[i], v)->ntok;
	const uint8_t **items = xmalloc(sizeof *items * (n_toks + ch->n_cases + 1));
	size_t k = 0;
	for (size_t i = 0; i < ch->n_cases; i++)
		for (int v = 0; v < persons_of(&ch->cases[i]); v++) {
			const struct person_rec *p = person_of(&ch->cases[i], v);
			for (int t = 0; t < p->ntok; t++)
				items[k++] = p->tok[t].hash;
		}
	for (size_t i = 0; i < ch->n_cases; i++)
		items[n_toks + i] = ch->cases[i].case_key;
	struct strbuf *toks = &w->sb, keys;
	sb_reset(toks);
	sb_init(&keys);
	db_bytea_array(toks, items, n_toks, TOKEN_BYTES);
	db_bytea_array(&keys, items + n_toks, ch->n_cases, TOKEN_BYTES);
	free(items);
	const char *tparams[] = {toks->data};
	PGresult *res =
	    db_exec_binary(b->conn, e,
			   "SELECT DISTINCT token, person_id FROM warehouse.person_token "
			   "WHERE token = ANY($1::bytea[])",
			   1, tparams, (const int[]){(int)toks->len}, (const int[]){1});
	if (!res) {
		sb_free(&keys);
		return -1;
	}
	w->n_matches = (size_t)PQntuples(res);
	w->matches = xmalloc(sizeof *w->matches * (w->n_matches + 1));
	for (size_t i = 0; i < w->n_matches; i++) {
		unescape_token(res, (int)i, 0, w->matches[i].token);
		w->matches[i].person_id = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
	}
	PQclear(res);
	matched_ids(w);
	if (w->n_matches && fetch_ids(b, w, e) < 0) {
		sb_free(&keys);
		return -1;
	}

	const char *params[] = {b->id_text, keys.data};
	res = db_exec_binary(b->conn, e,
			     "SELECT case_key, case_id, batch_id = $1 FROM warehouse.\"case\" "
			     "WHERE case_key = ANY($2::bytea[])",
			     2, params, (const int[]){0, (int)keys.len}, (const int[]){0, 1});
	sb_free(&keys);
	if (!res)
		return -1;
	w->case_ids = xcalloc(ch->n_cases + 1, sizeof(int64_t));
	for (int i = 0; i < PQntuples(res); i++) {
		uint8_t key[TOKEN_BYTES];
		unescape_token(res, i, 0, key);
		int64_t id =
		    PQgetvalue(res, i, 2)[0] == 't' ? -1 : strtoll(PQgetvalue(res, i, 1), NULL, 10);
		for (size_t c = 0; c < ch->n_cases; c++)
			if (memcmp(ch->cases[c].case_key, key, TOKEN_BYTES) == 0)
				w->case_ids[c] = id;
	}
	PQclear(res);
	return 0;
}

static int by_case_key(const void *a, const void *b)
{
	const struct case_rec *x = *(const struct case_rec *const *)a,
			      *y = *(const struct case_rec *const *)b;
	int c = memcmp(x->case_key, y->case_key, TOKEN_BYTES);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* E3008: the same agency + case reference twice in one batch. Found within the chunk
 * (sorted keys) and against the rows this batch already wrote (case_ids[i] == -1), so
 * that memory does not grow with the batch; the later record is rejected and leaves the
 * chunk, and case_ids is compacted with it. Tokens of a dropped duplicate stay among the
 * matches: a lookup table, harmless. */
static void drop_duplicates(struct batch *b, struct chunk *ch, int64_t *case_ids)
{
	size_t n = ch->n_cases;
	const struct case_rec **sorted = xmalloc(sizeof *sorted * (n + 1));
	char *dup = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		sorted[i] = &ch->cases[i];
		dup[i] = case_ids[i] < 0;
	}
	qsort(sorted, n, sizeof *sorted, by_case_key);
	for (size_t i = 1; i < n; i++)
		if (memcmp(sorted[i]->case_key, sorted[i - 1]->case_key, TOKEN_BYTES) == 0)
			dup[sorted[i] - ch->cases] = 1;
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (!dup[i]) {
			case_ids[kept] = case_ids[i];
			ch->cases[kept++] = ch->cases[i];
			continue;
		}
		struct rec_errors errs = {0};
		rec_error_add(&errs, "E3008", "/case_ref",
			      "this agency's case reference appears twice in this batch");
		batch_reject(b, &ch->rejects, ch->cases[i].record_no, ch->cases[i].line, &errs);
		pthread_mutex_lock(&b->lock);
		b->r->accepted--;
		pthread_mutex_unlock(&b->lock);
		rec_free(&ch->cases[i]);
	}
	ch->n_cases = kept;
	free(sorted);
	free(dup);
}

/* ---- linkage ---- */

static int link_persons(struct batch *b, struct chunk *ch, struct work *w, struct wq_error *e)
{
	size_t n = 0;
	for (size_t i = 0; i < ch->n_cases; i++)
		n += (size_t)persons_of(&ch->cases[i]);
	w->toks = xmalloc(sizeof *w->toks * (n + 1));
	w->ntok = xmalloc(sizeof *w->ntok * (n + 1));
	w->occ = xmalloc(sizeof *w->occ * (n + 1));
	w->is_offender = xmalloc(n + 1);
	w->case_of = xmalloc(sizeof *w->case_of * (n + 1));
	w->region_of = xmalloc(sizeof *w->region_of * (n + 1));
	w->n_occ = 0;
	for (size_t i = 0; i < ch->n_cases; i++) {
		struct case_rec *c = &ch->cases[i];
		int region = region_index(b, c->region);
		for (int v = 0; v < persons_of(c); v++) {
			struct person_rec *p = person_of(c, v);
			size_t k = w->n_occ++;
			w->occ[k] = p;
			w->is_offender[k] = v >= c->n_victims;
			w->case_of[k] = i;
			w->region_of[k] = region;
			w->toks[k] = p->tok;
			w->ntok[k] = p->ntok;
		}
	}
	struct link_input in = {w->n_occ,   w->toks,	      w->ntok, w->case_of, w->region_of,
				w->matches, w->n_matches,     w->ids,  w->n_ids,   NULL,
				0,	    w->n_matches == 0};
	linkage_run(&w->l, &in);
	if (w->l.needs_cases) {
		/* A weak link to an existing person or a merge: again, with their cases. */
		linkage_free(&w->l);
		if (fetch_cases(b, w, e) < 0)
			return -1;
		in.cases = w->cases;
		in.n_cases = w->n_cases;
		in.cases_known = 1;
		linkage_run(&w->l, &in);
	}
	b->r->links_vetoed += (long)w->l.vetoed;
	return 0;
}

/* ---- writing ---- */

/* Draws n ids from a sequence. */
static int64_t *draw_ids(struct batch *b, const char *seq, size_t n, struct wq_error *e)
{
	char count[24];
	snprintf(count, sizeof count, "%zu", n);
	const char *params[] = {seq, count};
	PGresult *res = db_exec(
	    b->conn, e, "SELECT nextval($1::regclass) FROM generate_series(1, $2::int)", 2, params);
	if (!res)
		return NULL;
	int64_t *ids = xmalloc(sizeof(int64_t) * (n + 1));
	for (size_t i = 0; i < n; i++)
		ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	return ids;
}

/* Components without an existing person are new persons, written once each; every
 * occurrence gets its person's id. */
/* The batch a case came with (the intake commits several in one transaction). */
static long long batch_of(const struct batch *b, const struct case_rec *c)
{
	return c->batch_id ? c->batch_id : b->id;
}

static int write_persons(struct batch *b, struct chunk *ch, struct work *w, struct wq_error *e)
{
	struct linkage *l = &w->l;
	struct strbuf *sb = &w->sb;
	size_t n_new = 0;
	for (size_t c = 0; c < l->n_comp; c++)
		n_new += l->comp_pid[c] == 0;
	int64_t *ids = n_new ? draw_ids(b, "warehouse.person_id_seq", n_new, e) : NULL;
	if (n_new && !ids)
		return -1;
	char *fresh = xcalloc(l->n_comp + 1, 1);
	n_new = 0;
	for (size_t c = 0; c < l->n_comp; c++) {
		if (l->comp_pid[c])
			continue;
		l->comp_pid[c] = ids[n_new++];
		fresh[c] = 1;
	}
	free(ids);
	sb_reset(sb);
	for (size_t i = 0; i < w->n_occ; i++) {
		size_t c = l->comp[i];
		w->occ[i]->person_id = l->comp_pid[c];
		if (!fresh[c])
			continue;
		fresh[c] = 0;
		/* A component is linkable when it has any token; scope follows the key used. */
		sb_printf(sb, "%" PRId64 "\t%c\t%s\t%" PRIu32 "\t%lld\t", l->comp_pid[c],
			  w->occ[i]->child ? 'c' : 'p', w->occ[i]->ntok ? "t" : "f",
			  pseudo_record_key(b->keys, 'p', l->comp_pid[c]),
			  batch_of(b, &ch->cases[w->case_of[i]]));
		/* The salt (the analytics' record and row keys come from it), 16 random bytes
		 * drawn here rather than by the column's default: gen_random_uuid() cost the
		 * server 1.35 us a person, a quarter of the COPY of persons (80,000 cases:
		 * 123 ms of 479). */
		unsigned char salt[16];
		randombytes_buf(salt, sizeof salt);
		sb_hex(sb, COPY_BYTEA, salt, sizeof salt);
		sb_putc(sb, '\n');
		/* A person with no identity in a resubmitted case is new again as a row (the
		 * one the earlier version named goes as an orphan), not as a child or an
		 * offender: counted once, when the case was first submitted. */
		if (w->occ[i]->ntok == 0 && w->case_ids[w->case_of[i]] > 0)
			continue;
		if (w->is_offender[i]) {
			b->r->offenders_new++;
			b->r->offenders_unlinkable += w->occ[i]->ntok == 0;
		} else {
			b->r->victims_new++;
		}
	}
	free(fresh);
	if (n_new && db_copy(b->conn, e,
			     "COPY warehouse.person (person_id, scope, linkable, record_key, "
			     "first_batch, salt) FROM STDIN",
			     sb->data, sb->len) < 0)
		return -1;
	return 0;
}

/* A component that joined existing persons merges them into its lowest id. */
static int write_merges(struct batch *b, struct work *w, struct wq_error *e)
{
	const struct linkage *l = &w->l;
	if (l->n_merges == 0)
		return 0;
	struct strbuf *sb = &w->sb;
	sb_reset(sb);
	for (size_t i = 0; i < l->n_merges; i++)
		sb_printf(sb, "%" PRId64 "\t%" PRId64 "\n", l->merges[i].from, l->merges[i].into);
	const char *params[] = {b->id_text};
	int rc = stage_empty(b, STAGE_MERGE, "TRUNCATE stage_merge", e);
	if (rc == 0)
		rc = db_copy(b->conn, e, "COPY stage_merge (from_person, into_person) FROM STDIN",
			     sb->data, sb->len);
	/* Statistics, so that the updates below use the person_id indexes rather than scan
	 * every token and victim row of the warehouse for each merge. */
	if (rc == 0)
		rc = db_run(b->conn, e, "ANALYZE stage_merge", 0, NULL);
	if (rc == 0)
		rc = db_run(
		    b->conn, e,
		    "WITH t AS (UPDATE warehouse.person_token t SET person_id = m.into_person "
		    "           FROM stage_merge m WHERE t.person_id = m.from_person),"
		    " v AS (UPDATE warehouse.victim v SET person_id = m.into_person "
		    "           FROM stage_merge m WHERE v.person_id = m.from_person),"
		    " o AS (UPDATE warehouse.offender o SET person_id = m.into_person "
		    "           FROM stage_merge m WHERE o.person_id = m.from_person),"
		    " p AS (UPDATE warehouse.person p SET merged_into = m.into_person "
		    "           FROM stage_merge m WHERE p.person_id = m.from_person) "
		    "INSERT INTO warehouse.person_merge (from_person, into_person, batch_id) "
		    "SELECT from_person, into_person, $1 FROM stage_merge",
		    1, params);
	b->r->merges += (long)l->n_merges;
	return rc;
}

/* The chunk's tokens not yet stored, each for its person. */
static int write_tokens(struct batch *b, struct work *w, struct wq_error *e)
{
	const struct linkage *l = &w->l;
	if (l->n_new_tokens == 0)
		return 0;
	struct strbuf *sb = &w->sb;
	sb_reset(sb);
	for (size_t i = 0; i < l->n_new_tokens; i++) {
		const struct token *t = l->new_tokens[i].tok;
		sb_hex(sb, COPY_BYTEA, t->hash, TOKEN_BYTES);
		sb_printf(sb, "\t%d\t%d\t%" PRId64 "\t", b->ctx.key_version, t->kind,
			  l->comp_pid[l->new_tokens[i].comp]);
		if (t->kind == TOKEN_ID)
			copy_text(sb, t->country); /* a code of the countries list */
		else
			sb_puts(sb, "\\N");
		sb_putc(sb, '\n');
	}
	return db_copy(b->conn, e,
		       "COPY warehouse.person_token (token, key_version, kind, person_id, "
		       "id_country) FROM STDIN",
		       sb->data, sb->len);
}

/* The cases: ids for new ones first (so their record keys are written with them); new
 * cases by COPY, resubmitted ones by an upsert (most batches have none); a resubmitted
 * case's victims, offenders and interventions are removed, and the persons they named
 * kept in stage_gone. */
static int write_cases(struct batch *b, struct chunk *ch, struct work *w, struct wq_error *e)
{
	int64_t *case_ids = w->case_ids;
	size_t n_new = 0;
	for (size_t i = 0; i < ch->n_cases; i++)
		n_new += case_ids[i] == 0;
	size_t n_old = ch->n_cases - n_new;
	b->r->cases_new += (long)n_new;
	b->r->cases_replaced += (long)n_old;
	int64_t *ids = n_new ? draw_ids(b, "warehouse.case_id_seq", n_new, e) : NULL;
	if (n_new && !ids)
		return -1;
	struct strbuf *sb = &w->sb, *old = &w->resubmitted, upsert;
	sb_reset(old);
	sb_putc(old, '{');
	for (size_t i = 0; i < ch->n_cases; i++)
		if (case_ids[i])
			sb_printf(old, "%s%" PRId64, old->len > 1 ? "," : "", case_ids[i]);
	sb_putc(old, '}');
	/* New cases as COPY text; resubmitted ones as one JSON array for jsonb_to_recordset
	 * (an upsert from a parameter, no staging table, whose truncation at every commit a
	 * small commit cannot spare). Every text is a date or a code of a code list, which
	 * holds only letters, digits and _ . + - (common/codelist.c refuses any other at
	 * load): nothing to escape in either. */
	sb_reset(sb);
	sb_init(&upsert);
	sb_putc(&upsert, '[');
	size_t next = 0;
	for (size_t i = 0; i < ch->n_cases; i++) {
		struct case_rec *c = &ch->cases[i];
		char rep[11], inc[11];
		int fresh = case_ids[i] == 0;
		if (fresh)
			case_ids[i] = ids[next++];
		month_format(c->reported, rep);
		if (c->incident >= 0)
			month_format(c->incident, inc);
		uint32_t record_key = pseudo_record_key(b->keys, 'c', case_ids[i]);
		if (fresh) {
			sb_printf(sb, "%" PRId64 "\t", case_ids[i]);
			sb_hex(sb, COPY_BYTEA, c->case_key, TOKEN_BYTES);
			sb_printf(sb, "\t%d\t%s\t%s\t%s\t%s\t", b->ctx.key_version, c->agency, rep,
				  c->incident >= 0 ? inc : "\\N", c->region);
			copy_codes(sb, (const char *const *)c->offences, c->n_offences);
			sb_putc(sb, '\t');
			copy_codes(sb, (const char *const *)c->technology, c->n_technology);
			sb_printf(sb, "\t%s\t%s\t%s\t%" PRIu32 "\t%lld\n", c->detection,
				  copy_bool(c->financial), c->status, record_key, batch_of(b, c));
			continue;
		}
		sb_printf(&upsert, "%s{\"case_id\":%" PRId64 ",\"case_key\":\"",
			  upsert.len > 1 ? "," : "", case_ids[i]);
		sb_hex(&upsert, "", c->case_key, TOKEN_BYTES);
		sb_printf(&upsert, "\",\"key_version\":%d,\"agency\":\"%s\",\"reported\":\"%s\",",
			  b->ctx.key_version, c->agency, rep);
		if (c->incident >= 0)
			sb_printf(&upsert, "\"incident\":\"%s\",", inc);
		sb_printf(&upsert, "\"region\":\"%s\",\"offences\":[", c->region);
		for (int k = 0; k < c->n_offences; k++)
			sb_printf(&upsert, "%s\"%s\"", k ? "," : "", c->offences[k]);
		sb_puts(&upsert, "],\"technology\":[");
		for (int k = 0; k < c->n_technology; k++)
			sb_printf(&upsert, "%s\"%s\"", k ? "," : "", c->technology[k]);
		sb_printf(&upsert,
			  "],\"detection\":\"%s\",\"financial\":%s,\"status\":\"%s\","
			  "\"record_key\":%" PRIu32 ",\"batch_id\":%lld}",
			  c->detection,
			  c->financial < 0 ? "null"
			  : c->financial   ? "true"
					   : "false",
			  c->status, record_key, batch_of(b, c));
	}
	sb_putc(&upsert, ']');
	free(ids);
	const char *rows[] = {upsert.data};
	int rc =
	    (n_new && db_copy(b->conn, e,
			      "COPY warehouse.\"case\" (case_id, case_key, key_version, agency, "
			      "reported, incident, region, offences, technology, detection, "
			      "financial, status, record_key, batch_id) FROM STDIN",
			      sb->data, sb->len) < 0) ||
		    (n_old &&
		     db_run(
			 b->conn, e,
			 "INSERT INTO warehouse.\"case\" AS c (case_id, case_key, key_version, "
			 "  agency, reported, incident, region, offences, technology, detection, "
			 "  financial, status, record_key, batch_id) "
			 "SELECT u.case_id, decode(u.case_key, 'hex'), u.key_version, u.agency, "
			 "  u.reported, u.incident, u.region, u.offences, u.technology, "
			 "u.detection, "
			 "  u.financial, u.status, u.record_key, u.batch_id "
			 "FROM jsonb_to_recordset($1::jsonb) AS u (case_id bigint, case_key text, "
			 "  key_version smallint, agency text, reported date, incident date, "
			 "  region text, offences text[], technology text[], detection text, "
			 "  financial boolean, status text, record_key bigint, batch_id bigint) "
			 "ON CONFLICT (case_id) DO UPDATE SET "
			 "  reported = excluded.reported, incident = excluded.incident, "
			 "  region = excluded.region, offences = excluded.offences, "
			 "  technology = excluded.technology, detection = excluded.detection, "
			 "  financial = excluded.financial, status = excluded.status, "
			 "  revision = c.revision + 1, batch_id = excluded.batch_id, "
			 "  updated_at = now()",
			 1, rows) < 0)
		? -1
		: 0;
	sb_free(&upsert);
	if (rc < 0)
		return -1;
	if (old->len <= 2)
		return 0;
	if (stage_empty(b, STAGE_GONE, "TRUNCATE stage_gone", e) < 0)
		return -1;
	/* How many interventions went: a CSV record, which cannot carry any, replaces a case
	 * without its interventions, and the summary says so (load_result). */
	PGresult *r = db_exec(b->conn, e,
			      "WITH v AS (DELETE FROM warehouse.victim"
			      "           WHERE case_id = ANY($1::bigint[]) RETURNING person_id),"
			      " o AS (DELETE FROM warehouse.offender"
			      "       WHERE case_id = ANY($1::bigint[]) RETURNING person_id),"
			      " i AS (DELETE FROM warehouse.intervention"
			      "       WHERE case_id = ANY($1::bigint[]) RETURNING 1),"
			      " g AS (INSERT INTO stage_gone SELECT person_id FROM v"
			      "       UNION SELECT person_id FROM o) "
			      "SELECT count(*) FROM i",
			      1, (const char *const[]){old->data});
	if (!r)
		return -1;
	if (b->csv)
		b->r->interventions_dropped += atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

void chunk_victim_copy(struct strbuf *sql)
{
	sb_puts(sql, "COPY warehouse.victim (case_id, seq, person_id, sex, age");
	for (size_t a = 0; a < attr_count(); a++)
		sb_printf(sql, ", %s", attr_at(a)->name);
	sb_puts(sql, ") FROM STDIN");
}

/* Victims, offenders and interventions of the chunk's cases, one COPY each. */
static int write_rows(struct batch *b, struct chunk *ch, struct work *w, struct wq_error *e)
{
	struct strbuf *vic = &w->sb, off, iv;
	sb_init(&off);
	sb_init(&iv);
	sb_reset(vic);
	for (size_t i = 0; i < ch->n_cases; i++) {
		struct case_rec *c = &ch->cases[i];
		int64_t id = w->case_ids[i];
		for (int v = 0; v < c->n_victims; v++) {
			struct person_rec *p = &c->victims[v];
			sb_printf(vic, "%" PRId64 "\t%d\t%" PRId64 "\t%s\t%d", id, v + 1,
				  p->person_id, p->sex, p->age);
			for (size_t a = 0; a < attr_count(); a++)
				sb_printf(vic, "\t%s", p->attr[a]);
			sb_putc(vic, '\n');
		}
		for (int v = 0; v < c->n_offenders; v++) {
			struct person_rec *p = &c->offenders[v];
			sb_printf(&off, "%" PRId64 "\t%d\t%" PRId64 "\t%s\t", id, v + 1,
				  p->person_id, p->sex);
			if (p->age >= 0)
				sb_printf(&off, "%d", p->age);
			else
				sb_puts(&off, "\\N");
			sb_printf(&off, "\t%s\n", p->child ? "t" : "f");
		}
		for (int k = 0; k < c->n_interventions; k++) {
			struct intervention_rec *it = &c->interventions[k];
			char started[11];
			month_format(it->started, started);
			sb_printf(&iv, "%" PRId64 "\t%d\t%c\t%d\t%s\t%s\t%s\t%s\t", id, k + 1,
				  it->person_role, it->person_seq, it->type, it->level, started,
				  copy_bool(it->completed));
			copy_opt(&iv, it->outcome);
			sb_putc(&iv, '\n');
		}
	}
	struct strbuf copy;
	sb_init(&copy);
	chunk_victim_copy(&copy);
	int ok =
	    db_copy(b->conn, e, copy.data, vic->data, vic->len) == 0 &&
	    (off.len == 0 ||
	     db_copy(
		 b->conn, e,
		 "COPY warehouse.offender (case_id, seq, person_id, sex, age, child) FROM STDIN",
		 off.data, off.len) == 0) &&
	    (iv.len == 0 ||
	     db_copy(
		 b->conn, e,
		 "COPY warehouse.intervention (case_id, seq, person_role, person_seq, type, level, "
		 "started, completed, outcome) FROM STDIN",
		 iv.data, iv.len) == 0);
	sb_free(&copy);
	sb_free(&off);
	sb_free(&iv);
	return ok ? 0 : -1;
}

/* What the chunk changed, for the incremental refresh that brings the analytics up to
 * date after the commit (etl/load/refresher.h): its batches (the refresh finds their
 * cases and the persons those name), and the persons it took rows from without naming
 * them: those merged away, and those its resubmitted cases no longer name (their salts
 * taken now: remove_orphans may delete them next). */
static int queue_touched(struct batch *b, struct chunk *ch, struct work *w, struct wq_error *e)
{
	struct strbuf *ids = &w->sb, batches;
	sb_reset(ids);
	sb_putc(ids, '{');
	for (size_t i = 0; i < w->l.n_merges; i++)
		sb_printf(ids, "%s%" PRId64, i ? "," : "", w->l.merges[i].from);
	sb_putc(ids, '}');
	sb_init(&batches);
	sb_putc(&batches, '{');
	for (size_t i = 0; i < ch->n_cases; i++)
		sb_printf(&batches, "%s%lld", i ? "," : "", batch_of(b, &ch->cases[i]));
	sb_putc(&batches, '}');
	const char *params[] = {batches.data, ids->data};
	/* The persons as one array (an OR with IN would scan every person); stage_gone read
	 * only when this chunk filled it (it may hold an earlier chunk's persons). */
	int rc = db_run(b->conn, e,
			w->resubmitted.len > 2
			    ? "INSERT INTO warehouse.refresh_queue (batch_id, person_id, salt)"
			      " SELECT DISTINCT unnest($1::bigint[]), NULL::bigint, NULL::bytea"
			      " UNION ALL SELECT NULL, person_id, salt FROM warehouse.person"
			      "  WHERE person_id = ANY($2::bigint[]"
			      "                        || ARRAY(SELECT person_id FROM stage_gone))"
			    : "INSERT INTO warehouse.refresh_queue (batch_id, person_id, salt)"
			      " SELECT DISTINCT unnest($1::bigint[]), NULL::bigint, NULL::bytea"
			      " UNION ALL SELECT NULL, person_id, salt FROM warehouse.person"
			      "  WHERE person_id = ANY($2::bigint[])",
			2, params);
	sb_free(&batches);
	return rc;
}

/* A resubmission that no longer names a person leaves that person with no row: it is
 * removed with its tokens (and the persons merged into it, which hold none). */
static int remove_orphans(struct batch *b, struct work *w, struct wq_error *e)
{
	if (w->resubmitted.len <= 2)
		return 0;
	return db_run(
	    b->conn, e,
	    "WITH RECURSIVE gone AS ("
	    "  SELECT p.person_id FROM warehouse.person p"
	    "  WHERE p.person_id IN (SELECT person_id FROM stage_gone)"
	    "    AND p.merged_into IS NULL"
	    "    AND NOT EXISTS (SELECT 1 FROM warehouse.victim v"
	    "                    WHERE v.person_id = p.person_id)"
	    "    AND NOT EXISTS (SELECT 1 FROM warehouse.offender o"
	    "                    WHERE o.person_id = p.person_id)"
	    "  UNION SELECT p.person_id FROM warehouse.person p"
	    "  JOIN gone g ON p.merged_into = g.person_id),"
	    " t AS (DELETE FROM warehouse.person_token"
	    "       WHERE person_id IN (SELECT person_id FROM gone)),"
	    " m AS (DELETE FROM warehouse.person_merge"
	    "       WHERE from_person IN (SELECT person_id FROM gone)"
	    "          OR into_person IN (SELECT person_id FROM gone)) "
	    "DELETE FROM warehouse.person WHERE person_id IN (SELECT person_id FROM gone)",
	    0, NULL);
}

/* The chunk's lookups (its tokens and case keys, the matched persons' identities and
 * cases) are a few thousand index probes into tables of millions. With the default
 * random_page_cost the planner prices a sequential scan of the whole table below them once
 * a chunk has a few hundred keys, fresh statistics or not; every chunk then read every
 * table, and a load grew quadratic (at a million cases the token lookup took 43 ms a
 * chunk, a parallel scan of 1.7M tokens, where its probes take 15-25). So sequential scans
 * are off for the lookups only: the writes after them are left to the planner. (A
 * statement with no other way than a scan then costs more than JIT's thresholds: JIT is
 * off in the database, migration 014.) */
static int lookups_by_index(struct batch *b, int on, struct wq_error *e)
{
	return db_run(b->conn, e,
		      on ? "SET LOCAL enable_seqscan = off" : "SET LOCAL enable_seqscan TO DEFAULT",
		      0, NULL);
}

int chunk_write(struct batch *b, struct chunk *ch, struct wq_error *e)
{
	struct work w = {0};
	int rc = -1;
	sb_init(&w.sb);
	sb_init(&w.resubmitted);
	sb_init(&w.matched);
	if (ch->n_cases) {
		if (lookups_by_index(b, 1, e) < 0 || fetch_existing(b, ch, &w, e) < 0)
			goto out;
		drop_duplicates(b, ch, w.case_ids);
		if ((ch->n_cases && link_persons(b, ch, &w, e) < 0) ||
		    lookups_by_index(b, 0, e) < 0)
			goto out;
	}
	if (ch->n_cases) {
		if (write_persons(b, ch, &w, e) < 0 || write_merges(b, &w, e) < 0 ||
		    write_tokens(b, &w, e) < 0 || write_cases(b, ch, &w, e) < 0 ||
		    write_rows(b, ch, &w, e) < 0 || queue_touched(b, ch, &w, e) < 0 ||
		    remove_orphans(b, &w, e) < 0)
			goto out;
	}
	rc = batch_write_rejects(b, &ch->rejects, e);
out:
	for (size_t i = 0; i < ch->n_cases; i++)
		rec_free(&ch->cases[i]);
	ch->n_cases = 0;
	sb_reset(&ch->rejects);
	work_free(&w);
	return rc;
}
