/* The batch loader (see loader.h). One transaction per batch: the storage-key version is
 * read under a share lock (so a rotation cannot interleave), linkage is serialised with an
 * advisory lock (so two concurrent loads cannot both create the same child), records are
 * validated and hashed as they stream in, and every CHUNK accepted cases are linked and
 * written with COPY. Memory holds one chunk, whatever the file's size. */
#include "etl/loader.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "etl/csv_reader.h"
#include "etl/input.h"
#include "etl/linkage.h"
#include "etl/record.h"

#define CHUNK 2000

/* CHUNK accepted cases: the unit of linkage and of writing; and the rejects found since
 * the previous chunk, written with it, so that memory stays flat however many records a
 * batch rejects (a chunk is handed over early once they pass REJECT_BYTES). */
struct chunk {
	struct case_rec *cases;
	size_t n_cases;
	struct strbuf rejects; /* COPY text for warehouse.reject */
};

#define REJECT_BYTES (1 << 20)

/* Reading, validating and hashing (a producer thread) overlap with the database work of
 * the previous chunk (this thread): two chunks, handed over under a mutex. */
struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *ready;	 /* filled, waiting for the database */
	struct chunk *in_flight; /* being written */
	int done;		 /* the producer has handed over its last chunk */
	int failed;		 /* the database side failed: the producer stops */
};

struct batch {
	PGconn *conn;
	const struct wq_config *cfg;
	struct keys *keys;
	const struct load_options *opt;
	struct load_result *r;
	struct rec_context ctx;
	long long batch_id;
	char batch_id_text[24];
	struct chunk chunks[2], *fill; /* fill: the chunk the producer adds to */
	struct pipeline pipe;
	pthread_mutex_t lock; /* reject() and the counters: both threads reject */
	int over_limit;	      /* rejects passed [etl] max_rejects or max_reject_share */
	long *retry;	      /* a retry: the record numbers rejected before, sorted */
	size_t n_retry;
	struct wq_error *err; /* for the CSV reader's callback */
	int csv;	      /* pointers are reported as CSV columns */
	/* Progress on a terminal: total bytes (0 unknown), bytes read, last print. */
	int tty;
	long long total_bytes;
	const long long *read_bytes;
	double started, last_print;
};

/* bytea in COPY text, and as a query parameter. */
#define COPY_BYTEA  "\\\\x"
#define PARAM_BYTEA "\\x"

/* Appends s to a COPY text row, escaping what COPY's text format needs. */
static void copy_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\r':
			sb_puts(sb, "\\r");
			break;
		default:
			sb_putc(sb, *s);
		}
	}
}

static void copy_opt(struct strbuf *sb, const char *s)
{
	if (s)
		copy_text(sb, s);
	else
		sb_puts(sb, "\\N");
}

static void copy_codes(struct strbuf *sb, const char *const *codes, int n)
{
	sb_putc(sb, '{');
	for (int i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_puts(sb, codes[i]); /* codes come from the code lists: plain identifiers */
	}
	sb_putc(sb, '}');
}

static const char *tribool(int v)
{
	return v < 0 ? "\\N" : v ? "t" : "f";
}

/* ---- rejects ---- */

static void reject(struct batch *b, struct chunk *ch, long record_no, long line,
		   const struct rec_errors *in)
{
	struct rec_errors mapped, *errs = &mapped;
	mapped = *in;
	if (b->csv)
		for (int i = 0; i < mapped.n; i++) {
			char col[96];
			csv_column_of(mapped.e[i].pointer, col, sizeof col);
			snprintf(mapped.e[i].pointer, sizeof mapped.e[i].pointer, "%s", col);
		}
	pthread_mutex_lock(&b->lock);
	b->r->rejected++;
	const struct wq_config *cfg = b->cfg;
	if (b->r->rejected > cfg->max_rejects ||
	    (b->r->records >= cfg->reject_share_after &&
	     (double)b->r->rejected > cfg->max_reject_share * (double)b->r->records))
		b->over_limit = 1;
	for (int i = 0; i < errs->n; i++) {
		const struct rec_error *er = &errs->e[i];
		sb_printf(&ch->rejects, "%s\t%ld\t%ld\t", b->batch_id_text, record_no, line);
		copy_text(&ch->rejects, er->code);
		sb_putc(&ch->rejects, '\t');
		copy_text(&ch->rejects, er->pointer);
		sb_putc(&ch->rejects, '\t');
		copy_text(&ch->rejects, er->message);
		sb_putc(&ch->rejects, '\n');
	}
	if (b->opt->rejects) {
		json_t *o = json_pack("{s:I,s:I,s:[]}", "record", (json_int_t)record_no,
				      b->csv ? "row" : "line", (json_int_t)line, "errors");
		json_t *arr = json_object_get(o, "errors");
		for (int i = 0; i < errs->n; i++)
			json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:s}", "code", errs->e[i].code, "pointer",
					   errs->e[i].pointer, "message", errs->e[i].message));
		if (errs->more)
			json_object_set_new(o, "more_errors", json_integer(errs->more));
		char *s = json_dumps(o, JSON_COMPACT);
		fprintf(b->opt->rejects, "%s\n", s);
		free(s);
		json_decref(o);
	}
	pthread_mutex_unlock(&b->lock);
}

/* ---- one chunk ---- */

/* What linkage needs of the warehouse for one chunk: the stored tokens it matches, and
 * the national IDs and cases (with regions) of the persons they point at. */
struct existing {
	struct link_match *matches;
	size_t n_matches;
	struct link_id *ids;
	size_t n_ids;
	struct link_case *cases;
	size_t n_cases;
};

static void existing_free(struct existing *x)
{
	free(x->matches);
	free(x->ids);
	free(x->cases);
	memset(x, 0, sizeof *x);
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

/* The national IDs and cases of the matched persons (x->matches), in two queries. */
static int fetch_constraints(struct batch *b, struct existing *x, struct wq_error *e)
{
	struct strbuf ids;
	sb_init(&ids);
	sb_putc(&ids, '{');
	for (size_t i = 0; i < x->n_matches; i++)
		sb_printf(&ids, "%s%" PRId64, i ? "," : "", x->matches[i].person_id);
	sb_putc(&ids, '}');
	const char *params[] = {ids.data};
	int rc = -1;
	PGresult *res = db_exec(b->conn, e,
				"SELECT person_id, id_country, token FROM warehouse.person_token "
				"WHERE kind = 1 AND person_id = ANY($1::bigint[])",
				1, params);
	if (!res)
		goto out;
	x->n_ids = (size_t)PQntuples(res);
	x->ids = xcalloc(x->n_ids + 1, sizeof *x->ids);
	for (size_t i = 0; i < x->n_ids; i++) {
		x->ids[i].person_id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		snprintf(x->ids[i].country, sizeof x->ids[i].country, "%s",
			 PQgetvalue(res, (int)i, 1));
		unescape_token(res, (int)i, 2, x->ids[i].token);
	}
	PQclear(res);
	res = db_exec(b->conn, e,
		      "SELECT x.person_id, x.case_id, c.region FROM ("
		      "  SELECT person_id, case_id FROM warehouse.victim"
		      "  WHERE person_id = ANY($1::bigint[]) UNION "
		      "  SELECT person_id, case_id FROM warehouse.offender"
		      "  WHERE person_id = ANY($1::bigint[])) x "
		      "JOIN warehouse.\"case\" c USING (case_id)",
		      1, params);
	if (!res)
		goto out;
	x->n_cases = (size_t)PQntuples(res);
	x->cases = xcalloc(x->n_cases + 1, sizeof *x->cases);
	for (size_t i = 0; i < x->n_cases; i++) {
		x->cases[i].person_id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		x->cases[i].case_id = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
		x->cases[i].region = region_index(b, PQgetvalue(res, (int)i, 2));
	}
	PQclear(res);
	rc = 0;
out:
	sb_free(&ids);
	return rc;
}

/* Existing rows for the chunk's tokens and case keys, found in one round trip each.
 * case_ids[i] is the id of case i when it exists, 0 when it is new, and -1 when this very
 * batch wrote it already (a duplicate: E3008). */
static int fetch_matches(struct batch *b, struct chunk *ch, struct existing *x, int64_t **case_ids,
			 struct wq_error *e)
{
	struct strbuf sb;
	sb_init(&sb);
	for (size_t i = 0; i < ch->n_cases; i++) {
		const struct case_rec *c = &ch->cases[i];
		sb_hex(&sb, COPY_BYTEA, c->case_key, TOKEN_BYTES);
		sb_puts(&sb, "\t0\n");
		for (int v = 0; v < c->n_victims + c->n_offenders; v++) {
			const struct person_rec *p =
			    v < c->n_victims ? &c->victims[v] : &c->offenders[v - c->n_victims];
			for (int k = 0; k < p->ntok; k++) {
				sb_hex(&sb, COPY_BYTEA, p->tok[k].hash, TOKEN_BYTES);
				sb_puts(&sb, "\t1\n");
			}
		}
	}
	int rc = -1;
	PGresult *res = NULL;
	/* ANALYZE: without statistics the planner hash-joins the whole token table for
	 * every chunk, which makes a load quadratic in the warehouse's size. */
	if (db_run(b->conn, e, "TRUNCATE stage_key", 0, NULL) < 0 ||
	    db_copy(b->conn, e, "COPY stage_key (key, is_token) FROM STDIN", sb.data, sb.len) < 0 ||
	    db_run(b->conn, e, "ANALYZE stage_key", 0, NULL) < 0)
		goto out;

	res = db_exec(b->conn, e,
		      "SELECT DISTINCT t.token, t.person_id FROM stage_key s "
		      "JOIN warehouse.person_token t ON t.token = s.key WHERE s.is_token",
		      0, NULL);
	if (!res)
		goto out;
	x->n_matches = (size_t)PQntuples(res);
	x->matches = xmalloc(sizeof *x->matches * (x->n_matches + 1));
	for (size_t i = 0; i < x->n_matches; i++) {
		unescape_token(res, (int)i, 0, x->matches[i].token);
		x->matches[i].person_id = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
	}
	PQclear(res);
	if (x->n_matches && fetch_constraints(b, x, e) < 0)
		goto out;

	const char *params[] = {b->batch_id_text};
	res = db_exec(b->conn, e,
		      "SELECT c.case_key, c.case_id, c.batch_id = $1 FROM stage_key s "
		      "JOIN warehouse.\"case\" c ON c.case_key = s.key WHERE NOT s.is_token",
		      1, params);
	if (!res)
		goto out;
	*case_ids = xcalloc(ch->n_cases + 1, sizeof(int64_t));
	for (int i = 0; i < PQntuples(res); i++) {
		size_t len;
		unsigned char *raw = PQunescapeBytea((unsigned char *)PQgetvalue(res, i, 0), &len);
		int64_t id =
		    PQgetvalue(res, i, 2)[0] == 't' ? -1 : strtoll(PQgetvalue(res, i, 1), NULL, 10);
		for (size_t c = 0; c < ch->n_cases; c++)
			if (memcmp(ch->cases[c].case_key, raw, TOKEN_BYTES) == 0)
				(*case_ids)[c] = id;
		PQfreemem(raw);
	}
	PQclear(res);
	rc = 0;
out:
	sb_free(&sb);
	return rc;
}

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

static int apply_merges(struct batch *b, const struct linkage *l, struct wq_error *e)
{
	if (l->n_merges == 0)
		return 0;
	struct strbuf sb;
	sb_init(&sb);
	for (size_t i = 0; i < l->n_merges; i++)
		sb_printf(&sb, "%" PRId64 "\t%" PRId64 "\n", l->merges[i].from, l->merges[i].into);
	const char *params[] = {b->batch_id_text};
	int rc = db_run(b->conn, e, "TRUNCATE stage_merge", 0, NULL);
	if (rc == 0)
		rc = db_copy(b->conn, e, "COPY stage_merge (from_person, into_person) FROM STDIN",
			     sb.data, sb.len);
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
	sb_free(&sb);
	return rc;
}

static int by_case_key(const void *a, const void *b)
{
	const struct case_rec *x = *(const struct case_rec *const *)a,
			      *y = *(const struct case_rec *const *)b;
	int c = memcmp(x->case_key, y->case_key, TOKEN_BYTES);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* E3008: the same agency + case reference twice in one batch. Found per chunk (sorted
 * keys) and against the rows this batch already wrote (case_ids[i] == -1, from
 * fetch_matches), so that memory does not grow with the batch; the later record is
 * rejected and leaves the chunk, and case_ids is compacted with it. */
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
		reject(b, ch, ch->cases[i].record_no, ch->cases[i].line, &errs);
		pthread_mutex_lock(&b->lock);
		b->r->accepted--;
		pthread_mutex_unlock(&b->lock);
		case_rec_free(&ch->cases[i]);
	}
	ch->n_cases = kept;
	free(sorted);
	free(dup);
}

static int write_cases(struct batch *b, struct chunk *ch, struct wq_error *e)
{
	struct existing x = {0};
	size_t n_occ = 0, *case_of = NULL;
	int *region_of = NULL;
	int64_t *case_ids = NULL, *new_pids = NULL, *new_cids = NULL;
	const struct token **toks = NULL;
	int *ntok = NULL;
	struct person_rec **occ = NULL;
	char *is_offender = NULL;
	struct linkage l = {0};
	struct strbuf sb, existing;
	int rc = -1;

	sb_init(&sb);
	sb_init(&existing);
	if (ch->n_cases == 0) {
		rc = 0;
		goto out;
	}
	if (fetch_matches(b, ch, &x, &case_ids, e) < 0)
		goto out;
	/* Tokens of a dropped duplicate stay among the matches: a lookup table, harmless. */
	drop_duplicates(b, ch, case_ids);
	if (ch->n_cases == 0) {
		rc = 0;
		goto out;
	}

	/* Link every person of the chunk. */
	for (size_t i = 0; i < ch->n_cases; i++)
		n_occ += (size_t)(ch->cases[i].n_victims + ch->cases[i].n_offenders);
	toks = xmalloc(sizeof *toks * (n_occ + 1));
	ntok = xmalloc(sizeof *ntok * (n_occ + 1));
	occ = xmalloc(sizeof *occ * (n_occ + 1));
	is_offender = xmalloc(n_occ + 1);
	case_of = xmalloc(sizeof *case_of * (n_occ + 1));
	region_of = xmalloc(sizeof *region_of * (n_occ + 1));
	n_occ = 0;
	for (size_t i = 0; i < ch->n_cases; i++) {
		struct case_rec *c = &ch->cases[i];
		for (int v = 0; v < c->n_victims + c->n_offenders; v++) {
			struct person_rec *p =
			    v < c->n_victims ? &c->victims[v] : &c->offenders[v - c->n_victims];
			occ[n_occ] = p;
			is_offender[n_occ] = v >= c->n_victims;
			case_of[n_occ] = i;
			region_of[n_occ] = region_index(b, c->region);
			toks[n_occ] = p->tok;
			ntok[n_occ] = p->ntok;
			n_occ++;
		}
	}
	struct link_input in = {n_occ,	     toks,  ntok,    case_of, region_of, x.matches,
				x.n_matches, x.ids, x.n_ids, x.cases, x.n_cases};
	linkage_run(&l, &in);
	b->r->links_vetoed += (long)l.vetoed;

	size_t n_new = 0;
	for (size_t c = 0; c < l.n_comp; c++)
		n_new += l.comp_pid[c] == 0;
	if (n_new && !(new_pids = draw_ids(b, "warehouse.person_id_seq", n_new, e)))
		goto out;
	/* Components without an existing person are new persons; write each once. */
	char *fresh = xcalloc(l.n_comp + 1, 1);
	n_new = 0;
	for (size_t c = 0; c < l.n_comp; c++) {
		if (l.comp_pid[c])
			continue;
		l.comp_pid[c] = new_pids[n_new++];
		fresh[c] = 1;
	}
	for (size_t i = 0; i < n_occ; i++) {
		size_t c = l.comp[i];
		occ[i]->person_id = l.comp_pid[c];
		if (!fresh[c])
			continue;
		fresh[c] = 0;
		/* A component is linkable when it has any token; scope follows the key used. */
		sb_printf(&sb, "%" PRId64 "\t%c\t%s\t%" PRIu32 "\t%s\n", l.comp_pid[c],
			  occ[i]->child ? 'c' : 'p', occ[i]->ntok ? "t" : "f",
			  pseudo_record_key(b->keys, 'p', l.comp_pid[c]), b->batch_id_text);
		if (is_offender[i]) {
			b->r->offenders_new++;
			b->r->offenders_unlinkable += occ[i]->ntok == 0;
		} else {
			b->r->victims_new++;
		}
	}
	free(fresh);
	if (n_new) {
		if (db_copy(b->conn, e,
			    "COPY warehouse.person (person_id, scope, linkable, record_key, "
			    "first_batch) FROM STDIN",
			    sb.data, sb.len) < 0)
			goto out;
	}
	if (apply_merges(b, &l, e) < 0)
		goto out;
	if (l.n_new_tokens) {
		sb_reset(&sb);
		for (size_t i = 0; i < l.n_new_tokens; i++) {
			sb_hex(&sb, COPY_BYTEA, l.new_tokens[i].tok->hash, TOKEN_BYTES);
			const struct token *t = l.new_tokens[i].tok;
			sb_printf(&sb, "\t%d\t%d\t%" PRId64 "\t", b->ctx.key_version, t->kind,
				  l.comp_pid[l.new_tokens[i].comp]);
			if (t->kind == TOKEN_ID)
				copy_text(&sb, t->country); /* a code of the countries list */
			else
				sb_puts(&sb, "\\N");
			sb_putc(&sb, '\n');
		}
		if (db_copy(b->conn, e,
			    "COPY warehouse.person_token (token, key_version, kind, person_id, "
			    "id_country) FROM STDIN",
			    sb.data, sb.len) < 0)
			goto out;
	}

	/* Cases: ids for new ones first, so their record keys can be written with them. */
	size_t n_new_cases = 0;
	for (size_t i = 0; i < ch->n_cases; i++)
		n_new_cases += case_ids[i] == 0;
	if (n_new_cases && !(new_cids = draw_ids(b, "warehouse.case_id_seq", n_new_cases, e)))
		goto out;
	/* Resubmitted cases: their victims, offenders and interventions are replaced. */
	sb_putc(&existing, '{');
	for (size_t i = 0; i < ch->n_cases; i++)
		if (case_ids[i])
			sb_printf(&existing, "%s%" PRId64, existing.len > 1 ? "," : "",
				  case_ids[i]);
	sb_putc(&existing, '}');
	n_new_cases = 0;
	sb_reset(&sb);
	for (size_t i = 0; i < ch->n_cases; i++) {
		struct case_rec *c = &ch->cases[i];
		char rep[11], inc[11];
		if (case_ids[i] == 0)
			case_ids[i] = new_cids[n_new_cases++];
		month_format(c->reported, rep);
		if (c->incident >= 0)
			month_format(c->incident, inc);
		sb_printf(&sb, "%" PRId64 "\t", case_ids[i]);
		sb_hex(&sb, COPY_BYTEA, c->case_key, TOKEN_BYTES);
		sb_printf(&sb, "\t%d\t%s\t%s\t%s\t%s\t", b->ctx.key_version, c->agency, rep,
			  c->incident >= 0 ? inc : "\\N", c->region);
		copy_codes(&sb, c->offences, c->n_offences);
		sb_putc(&sb, '\t');
		copy_codes(&sb, c->technology, c->n_technology);
		sb_printf(&sb, "\t%s\t%s\t%s\t%" PRIu32 "\n", c->detection, tribool(c->financial),
			  c->status, pseudo_record_key(b->keys, 'c', case_ids[i]));
	}
	const char *params[] = {b->batch_id_text};
	if (db_run(b->conn, e, "TRUNCATE stage_case", 0, NULL) < 0 ||
	    db_copy(b->conn, e,
		    "COPY stage_case (case_id, case_key, key_version, agency, reported, incident, "
		    "region, offences, technology, detection, financial, status, record_key) FROM "
		    "STDIN",
		    sb.data, sb.len) < 0 ||
	    db_run(b->conn, e, "ANALYZE stage_case", 0, NULL) < 0 ||
	    db_run(b->conn, e,
		   "INSERT INTO warehouse.\"case\" AS c (case_id, case_key, key_version, agency, "
		   "  reported, incident, region, offences, technology, detection, financial, "
		   "  status, record_key, batch_id) "
		   "SELECT case_id, case_key, key_version, agency, reported, incident, region, "
		   "  offences, technology, detection, financial, status, record_key, $1 "
		   "FROM stage_case "
		   "ON CONFLICT (case_id) DO UPDATE SET "
		   "  reported = excluded.reported, incident = excluded.incident, "
		   "  region = excluded.region, offences = excluded.offences, "
		   "  technology = excluded.technology, detection = excluded.detection, "
		   "  financial = excluded.financial, status = excluded.status, "
		   "  revision = c.revision + 1, batch_id = excluded.batch_id, updated_at = now()",
		   1, params) < 0 ||
	    (existing.len > 2 &&
	     (db_run(b->conn, e, "TRUNCATE stage_gone", 0, NULL) < 0 ||
	      db_run(b->conn, e,
		     "WITH v AS (DELETE FROM warehouse.victim WHERE case_id = ANY($1::bigint[])"
		     "           RETURNING person_id),"
		     " o AS (DELETE FROM warehouse.offender WHERE case_id = ANY($1::bigint[])"
		     "       RETURNING person_id),"
		     " i AS (DELETE FROM warehouse.intervention WHERE case_id = ANY($1::bigint[])) "
		     "INSERT INTO stage_gone SELECT person_id FROM v UNION SELECT person_id FROM o",
		     1, (const char *const[]){existing.data}) < 0)))
		goto out;

	/* Victims, offenders, interventions of the chunk's cases. */
	struct strbuf off, iv;
	sb_init(&off);
	sb_init(&iv);
	sb_reset(&sb);
	for (size_t i = 0; i < ch->n_cases; i++) {
		struct case_rec *c = &ch->cases[i];
		for (int v = 0; v < c->n_victims; v++) {
			struct person_rec *p = &c->victims[v];
			sb_printf(&sb, "%" PRId64 "\t%d\t%" PRId64 "\t%s\t%d", case_ids[i], v + 1,
				  p->person_id, p->sex, p->age);
			for (int a = 0; a < ATTR_COUNT; a++)
				sb_printf(&sb, "\t%s", p->attr[a]);
			sb_putc(&sb, '\n');
		}
		for (int v = 0; v < c->n_offenders; v++) {
			struct person_rec *p = &c->offenders[v];
			sb_printf(&off, "%" PRId64 "\t%d\t%" PRId64 "\t%s\t", case_ids[i], v + 1,
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
			sb_printf(&iv, "%" PRId64 "\t%d\t%c\t%d\t%s\t%s\t%s\t%s\t", case_ids[i],
				  k + 1, it->person_role, it->person_seq, it->type, it->level,
				  started, tribool(it->completed));
			copy_opt(&iv, it->outcome);
			sb_putc(&iv, '\n');
		}
	}
	int ok =
	    db_copy(b->conn, e,
		    "COPY warehouse.victim (case_id, seq, person_id, sex, age, gender_identity, "
		    "sexual_orientation, ethnicity, disability, migrant_status, economic_status, "
		    "education_status, relationship) FROM STDIN",
		    sb.data, sb.len) == 0 &&
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
	sb_free(&off);
	sb_free(&iv);
	if (!ok)
		goto out;
	/* A resubmission that no longer names a person leaves that person with no row: it is
	 * removed with its tokens (and the persons merged into it, which hold none). */
	if (existing.len > 2 &&
	    db_run(b->conn, e,
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
		   " m AS (DELETE FROM warehouse.person_merge WHERE from_person IN"
		   "       (SELECT person_id FROM gone) OR into_person IN (SELECT person_id FROM "
		   "gone)) "
		   "DELETE FROM warehouse.person WHERE person_id IN (SELECT person_id FROM gone)",
		   0, NULL) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < ch->n_cases; i++)
		case_rec_free(&ch->cases[i]);
	ch->n_cases = 0;
	linkage_free(&l);
	existing_free(&x);
	free(case_of);
	free(region_of);
	free(case_ids);
	free(new_pids);
	free(new_cids);
	free(toks);
	free(ntok);
	free(occ);
	free(is_offender);
	sb_free(&sb);
	sb_free(&existing);
	return rc;
}

/* Writes one chunk: its cases, then the rejects found with it (E3008 among them). */
static int flush(struct batch *b, struct chunk *ch, struct wq_error *e)
{
	int rc = write_cases(b, ch, e);
	if (rc == 0 && ch->rejects.len)
		rc = db_copy(b->conn, e,
			     "COPY warehouse.reject (batch_id, record_no, line, code, pointer, "
			     "message) FROM STDIN",
			     ch->rejects.data, ch->rejects.len);
	sb_reset(&ch->rejects);
	return rc;
}

/* ---- the batch ---- */

static int json_depth(const json_t *j)
{
	int d = 0;
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach ((json_t *)j, k, v) {
			int c = json_depth(v);
			d = c > d ? c : d;
		}
		(void)k;
		return d + 1;
	}
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach (j, i, v) {
			int c = json_depth(v);
			d = c > d ? c : d;
		}
		return d + 1;
	}
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* Whether record RECORD_NO is to be processed: always, unless this is a retry and it was
 * not rejected before. */
static int wanted(const struct batch *b, long record_no)
{
	return !b->retry || bsearch(&record_no, b->retry, b->n_retry, sizeof(long), cmp_long);
}

static int over_limit_error(struct batch *b, struct wq_error *e)
{
	err_set(e, "S3004",
		"the batch is mostly rejected records (%ld of the %ld read); nothing "
		"was loaded",
		b->r->rejected, b->r->records);
	err_hint(e,
		 "An agency's file is not mostly garbage: check the file, or raise [etl] "
		 "max_rejects (%d) or max_reject_share (%g, after %d records).",
		 b->cfg->max_rejects, b->cfg->max_reject_share, b->cfg->reject_share_after);
	return -1;
}

/* Hands the filled chunk to the database side and takes the other one, once that one has
 * been written. Returns -1 when the database side has failed. */
static int handoff(struct batch *b)
{
	struct pipeline *p = &b->pipe;
	struct chunk *next = b->fill == &b->chunks[0] ? &b->chunks[1] : &b->chunks[0];
	pthread_mutex_lock(&p->mu);
	while (p->ready && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->failed)
		p->ready = b->fill;
	pthread_cond_broadcast(&p->cv);
	while (p->in_flight == next && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	int failed = p->failed;
	pthread_mutex_unlock(&p->mu);
	b->fill = next;
	return failed ? -1 : 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Records, records/s, rejects and ETA, at most twice a second, on stderr when it is a
 * terminal (nothing otherwise: logs stay clean). */
static void progress(struct batch *b, int final)
{
	if (!b->tty)
		return;
	double t = now();
	if (!final && t - b->last_print < 0.5)
		return;
	b->last_print = t;
	double rate = b->r->records / (t - b->started + 1e-9);
	char eta[32] = "";
	if (b->total_bytes > 0 && *b->read_bytes > 0 && !final) {
		double left = (t - b->started) * (double)(b->total_bytes - *b->read_bytes) /
			      (double)*b->read_bytes;
		snprintf(eta, sizeof eta, ", ETA %.0f s", left);
	}
	fprintf(stderr, "\r%ld records, %.0f/s, %ld rejected%s   %s", b->r->records, rate,
		b->r->rejected, eta, final ? "\n" : "");
	fflush(stderr);
}

/* After a record: stops a batch that is mostly garbage (S3004), and hands the chunk over
 * when it is full or its rejects have grown past REJECT_BYTES. */
static int next_chunk(struct batch *b, struct wq_error *e)
{
	pthread_mutex_lock(&b->lock);
	int over = b->over_limit;
	pthread_mutex_unlock(&b->lock);
	if (over)
		return over_limit_error(b, e);
	if (b->fill->n_cases == CHUNK || b->fill->rejects.len > REJECT_BYTES)
		return handoff(b);
	return 0;
}

/* Validates one case object into the chunk, or rejects it; takes the reference to j.
 * pre: errors already found by the reader (or NULL). */
static int take_case(struct batch *b, json_t *j, const struct rec_errors *pre, long line,
		     struct wq_error *e)
{
	struct rec_errors errs = {0};
	long record_no = b->r->records;
	if (!wanted(b, record_no)) { /* a retry: accepted the first time */
		json_decref(j);
		return 0;
	}
	if (pre && (pre->n || !j)) {
		json_decref(j);
		reject(b, b->fill, record_no, line, pre);
		return next_chunk(b, e);
	}
	struct case_rec *c = &b->fill->cases[b->fill->n_cases];
	c->line = line;
	c->record_no = record_no;
	int ok = case_from_json(&b->ctx, j, c, &errs) == 0;
	json_decref(j);
	if (!ok) {
		reject(b, b->fill, record_no, line, &errs);
		return next_chunk(b, e);
	}
	pthread_mutex_lock(&b->lock);
	b->r->accepted++;
	pthread_mutex_unlock(&b->lock);
	b->fill->n_cases++;
	if ((b->r->records & 1023) == 0)
		progress(b, 0);
	return next_chunk(b, e);
}

/* Validates one NDJSON line into the chunk, or rejects it. */
static int take_line(struct batch *b, const char *line, size_t len, long lineno, struct wq_error *e)
{
	struct rec_errors errs = {0};
	json_error_t jerr;
	long record_no = b->r->records + 1;

	b->r->records++;
	if (!wanted(b, record_no))
		return 0;
	if (len > (size_t)b->cfg->max_record_bytes) {
		rec_error_add(&errs, "E1005", "", "the record is longer than %d bytes",
			      b->cfg->max_record_bytes);
		reject(b, b->fill, record_no, lineno, &errs);
		return next_chunk(b, e);
	}
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		enum json_error_code code = json_error_code(&jerr);
		if (code == json_error_invalid_utf8)
			rec_error_add(&errs, "E1002", "", "the line is not valid UTF-8");
		else if (code == json_error_numeric_overflow)
			rec_error_add(&errs, "E1005", "", "a number is too large (column %d)",
				      jerr.column);
		else if (code == json_error_stack_overflow)
			rec_error_add(&errs, "E1005", "", "the record is nested too deep");
		else if (code == json_error_duplicate_key)
			rec_error_add(&errs, "E1001", "",
				      "a field appears twice in one object (column %d)",
				      jerr.column);
		else
			rec_error_add(&errs, "E1001", "", "the line is not valid JSON (column %d)",
				      jerr.column);
		reject(b, b->fill, record_no, lineno, &errs);
		return next_chunk(b, e);
	}
	if (json_depth(j) > b->cfg->max_json_depth) {
		rec_error_add(&errs, "E1005", "", "the record is nested deeper than %d levels",
			      b->cfg->max_json_depth);
		json_decref(j);
		reject(b, b->fill, record_no, lineno, &errs);
		return next_chunk(b, e);
	}
	return take_case(b, j, NULL, lineno, e);
}

/* CSV: one assembled case (or the errors that kept it from forming). */
static int take_csv_case(void *ctx, json_t *j, const struct rec_errors *pre, long row)
{
	struct batch *b = ctx;
	b->r->records++;
	return take_case(b, j ? json_incref(j) : NULL, pre, row, b->err);
}

static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_key (key bytea NOT NULL, is_token boolean NOT NULL)"
    " ON COMMIT DROP;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_merge (from_person bigint, into_person bigint)"
    " ON COMMIT DROP;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_gone (person_id bigint) ON COMMIT DROP;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_case (case_id bigint, case_key bytea,"
    " key_version smallint, agency text, reported date, incident date, region text,"
    " offences text[], technology text[], detection text, financial boolean, status text,"
    " record_key bigint) ON COMMIT DROP;";

/* The producer: reads the input, validates and hashes every record into chunks, and
 * hands them over; its errors are its own (e.g. a CSV that is not well-formed). */
struct producer {
	struct batch *b;
	FILE *in;
	const char *read_error; /* why the input failed (struct input's error) */
	struct wq_error err;
	int rc;
};

/* A UTF-8 byte-order mark (Excel writes one) at the start of a file is not data. */
static const char utf8_bom[] = "\xEF\xBB\xBF";

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct batch *b = p->b;
	p->rc = 0;
	if (b->csv) {
		b->err = &p->err;
		p->rc = csv_read_cases(p->in, take_csv_case, b, &p->err);
	} else {
		struct line_reader lr;
		const char *line;
		size_t n;
		int too_long, got;
		long lineno = 0;
		line_reader_init(&lr, p->in, (size_t)b->cfg->max_record_bytes);
		while ((got = line_reader_next(&lr, &line, &n, &too_long)) > 0) {
			lineno++;
			if (lineno == 1 && n >= 3 && memcmp(line, utf8_bom, 3) == 0) {
				line += 3;
				n -= 3;
			}
			if (too_long) {
				/* Counted and rejected, never held whole in memory. */
				struct rec_errors errs = {0};
				b->r->records++;
				if (!wanted(b, b->r->records))
					continue;
				rec_error_add(&errs, "E1005", "",
					      "the record is longer than %d bytes",
					      b->cfg->max_record_bytes);
				reject(b, b->fill, b->r->records, lineno, &errs);
				if (next_chunk(b, &p->err) < 0) {
					p->rc = -1;
					break;
				}
				continue;
			}
			if (n == 0)
				continue; /* blank lines are allowed in NDJSON files */
			if (take_line(b, line, n, lineno, &p->err) < 0) {
				p->rc = -1;
				break;
			}
		}
		/* A read error is an error, never the end of the batch. */
		if (got < 0 && p->rc == 0) {
			err_set(&p->err, "S3001", "could not read the input: %s",
				p->read_error && p->read_error[0] ? p->read_error : "read error");
			p->rc = -1;
		}
		line_reader_free(&lr);
	}
	/* The last, partial chunk; then tell the database side that nothing more comes. */
	if (p->rc == 0 && (b->fill->n_cases || b->fill->rejects.len) && handoff(b) < 0)
		p->rc = -1;
	pthread_mutex_lock(&b->pipe.mu);
	b->pipe.done = 1;
	pthread_cond_broadcast(&b->pipe.cv);
	pthread_mutex_unlock(&b->pipe.mu);
	return NULL;
}

/* The database side: writes each chunk handed over until the producer is done. On a
 * failure it tells the producer to stop and returns -1 with e set. */
static int consume(struct batch *b, struct wq_error *e)
{
	struct pipeline *p = &b->pipe;
	int rc = 0;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->ready && !p->done)
			pthread_cond_wait(&p->cv, &p->mu);
		struct chunk *c = p->ready;
		p->ready = NULL;
		p->in_flight = c;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (!c)
			break; /* done, nothing left */
		rc = flush(b, c, e);
		pthread_mutex_lock(&p->mu);
		p->in_flight = NULL;
		if (rc < 0)
			p->failed = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (rc < 0)
			break;
	}
	return rc;
}

/* A FILE that hashes every byte read from the one under it (fopencookie). */
struct hashing_reader {
	FILE *under;
	crypto_generichash_state state;
	long long bytes;
	int failed;
};

static ssize_t hashing_read(void *cookie, char *buf, size_t size)
{
	struct hashing_reader *h = cookie;
	size_t n = fread(buf, 1, size, h->under);
	if (n == 0 && ferror(h->under)) {
		h->failed = 1;
		return -1;
	}
	crypto_generichash_update(&h->state, (const uint8_t *)buf, n);
	h->bytes += (long long)n;
	return (ssize_t)n;
}

/* The batch key of a regular file, read once before the transaction, so that a file
 * already loaded costs one hash and one query. It hashes the records (inflated when the
 * file is gzip), so a batch is the same whether it came compressed or not. */
static int hash_file(struct keys *k, const char *path, uint8_t out[TOKEN_BYTES], struct wq_error *e)
{
	crypto_generichash_state st;
	uint8_t buf[1 << 16];
	size_t n;
	struct input *in = input_open(path, e);
	if (!in)
		return -1;
	crypto_generichash_init(&st, k->sub[KEY_BATCH]->bytes, KEY_BYTES, TOKEN_BYTES);
	while ((n = fread(buf, 1, sizeof buf, in->f)) > 0)
		crypto_generichash_update(&st, buf, n);
	crypto_generichash_final(&st, out, TOKEN_BYTES);
	int rc =
	    ferror(in->f) ? err_set(e, "S3001", "could not read \"%s\": %s", path, in->error) : 0;
	input_close(in);
	return rc;
}

/* The batch stored under KEY: returns 1 with *id and *rejected set, 0 when there is
 * none, -1 on error. */
static int batch_find(PGconn *conn, const uint8_t key[TOKEN_BYTES], long long *id, long *rejected,
		      struct wq_error *e)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_hex(&sb, PARAM_BYTEA, key, TOKEN_BYTES);
	const char *params[] = {sb.data};
	PGresult *res = db_exec(
	    conn, e, "SELECT batch_id, rejected FROM warehouse.batch WHERE batch_key = $1::bytea",
	    1, params);
	sb_free(&sb);
	if (!res)
		return -1;
	int found = PQntuples(res) > 0;
	if (found) {
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*rejected = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return found;
}

/* A batch loaded before with rejected records is loaded again for those records alone:
 * their numbers are read and their reject rows removed (the records rejected again are
 * written anew). */
static int retry_prepare(struct batch *b, struct wq_error *e)
{
	const char *params[] = {b->batch_id_text};
	PGresult *res =
	    db_exec(b->conn, e,
		    "SELECT DISTINCT record_no FROM warehouse.reject WHERE batch_id = $1 "
		    "ORDER BY 1",
		    1, params);
	if (!res)
		return -1;
	b->n_retry = (size_t)PQntuples(res);
	b->retry = xmalloc(sizeof *b->retry * (b->n_retry + 1));
	for (size_t i = 0; i < b->n_retry; i++)
		b->retry[i] = strtol(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	b->r->retried = (long)b->n_retry;
	return db_run(b->conn, e, "DELETE FROM warehouse.reject WHERE batch_id = $1", 1, params);
}

int load_file(PGconn *conn, const struct wq_config *cfg, const struct codelists *lists,
	      struct keys *keys, const char *path, const struct load_options *opt,
	      struct load_result *r, struct wq_error *e)
{
	struct batch b = {.conn = conn, .cfg = cfg, .keys = keys, .opt = opt, .r = r};
	int from_stdin = strcmp(path, "-") == 0;
	uint8_t key[TOKEN_BYTES];
	crypto_generichash_state hs;
	struct input *in = NULL;
	FILE *hashed = NULL;
	int rc = -1, in_tx = 0;
	PGresult *res;

	memset(r, 0, sizeof *r);
	for (int i = 0; i < 2; i++) {
		b.chunks[i].cases = xcalloc(CHUNK, sizeof(struct case_rec));
		sb_init(&b.chunks[i].rejects);
	}
	b.fill = &b.chunks[0];
	pthread_mutex_init(&b.pipe.mu, NULL);
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.pipe.cv, NULL);
	b.ctx = (struct rec_context){lists, keys, 1, cfg->default_id_country, cfg->max_json_depth};

	in = input_open(path, e);
	if (!in)
		goto out;
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0)
		goto out;
	in_tx = 1;
	res =
	    db_exec(conn, e, "SELECT storage_version FROM warehouse.key_state FOR SHARE", 0, NULL);
	if (!res)
		goto out;
	b.ctx.key_version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);

	/* A regular file's batch key is known up front: checked before and again after
	 * waiting for the linkage lock (a concurrent load of the same file may have just
	 * committed), so that an already loaded file costs one hash and two queries. */
	uint8_t stored[TOKEN_BYTES] = {0};
	if (!from_stdin) {
		if (hash_file(keys, path, key, e) < 0)
			goto out;
		pseudo_tier2(keys, b.ctx.key_version, key, stored);
	}
	const char *lock[] = {LINKAGE_LOCK_KEY};
	long long known_id = 0;
	long known_rejected = 0;
	int found = from_stdin ? 0 : batch_find(conn, stored, &known_id, &known_rejected, e);
	if (found >= 0 && db_run(conn, e, "SELECT pg_advisory_xact_lock($1::bigint)", 1, lock) == 0)
		found = from_stdin ? 0 : batch_find(conn, stored, &known_id, &known_rejected, e);
	else
		found = -1;
	if (found < 0)
		goto out;
	if (found && known_rejected == 0) {
		r->already_loaded = 1;
		rc = 0;
		goto out;
	}
	if (db_script(conn, e, stage_sql) < 0)
		goto out;
	if (found) {
		/* Loaded before with rejects: only those records are processed again, so that
		 * fixing their cause (a code list, a rule) and loading the file again is enough. */
		b.batch_id = known_id;
		snprintf(b.batch_id_text, sizeof b.batch_id_text, "%lld", b.batch_id);
		r->batch_id = b.batch_id;
		if (retry_prepare(&b, e) < 0)
			goto out;
		goto read;
	}
	/* A placeholder batch key, replaced by the real one at the end (stdin is hashed as it
	 * streams). Random, so two concurrent loads never collide on it. */
	uint8_t placeholder[TOKEN_BYTES];
	randombytes_buf(placeholder, sizeof placeholder);
	{
		struct strbuf sb;
		sb_init(&sb);
		sb_hex(&sb, PARAM_BYTEA, placeholder, TOKEN_BYTES);
		char ver[8];
		snprintf(ver, sizeof ver, "%d", b.ctx.key_version);
		const char *params[] = {sb.data, ver};
		res = db_exec(conn, e,
			      "INSERT INTO warehouse.batch (batch_key, key_version, source) "
			      "VALUES ($1::bytea, $2, 'file') RETURNING batch_id",
			      2, params);
		sb_free(&sb);
	}
	if (!res)
		goto out;
	b.batch_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(b.batch_id_text, sizeof b.batch_id_text, "%lld", b.batch_id);
	r->batch_id = b.batch_id;
	PQclear(res);

read:;
	/* Every byte read is hashed on the way (the batch key of stdin is known only at
	 * the end). */
	struct hashing_reader hr = {in->f};
	crypto_generichash_init(&hr.state, keys->sub[KEY_BATCH]->bytes, KEY_BYTES, TOKEN_BYTES);
	hashed = fopencookie(&hr, "r", (cookie_io_functions_t){.read = hashing_read});
	if (!hashed) {
		err_set(e, "S3001", "could not read \"%s\"", path);
		goto out;
	}
	size_t name = input_name_length(path);
	b.csv = opt->format == FORMAT_CSV || (opt->format == FORMAT_AUTO && name > 4 &&
					      strncmp(path + name - 4, ".csv", 4) == 0);
	b.err = e;
	b.tty = isatty(STDERR_FILENO);
	b.read_bytes = &hr.bytes;
	b.started = now();
	/* The ETA compares the bytes read with the file's size, which gzip's are not. */
	if (!in->compressed)
		b.total_bytes = in->size;
	/* Keys the producer derives lazily are derived now, before it runs. */
	keys_store(keys, b.ctx.key_version);
	for (int v = 1; v <= b.ctx.key_version; v++)
		keys_store(keys, v);
	struct producer prod = {.b = &b, .in = hashed, .read_error = in->error};
	err_clear(&prod.err);
	pthread_t thread;
	if (pthread_create(&thread, NULL, produce, &prod) != 0) {
		err_set(e, "S3001", "could not start the reader thread");
		goto out;
	}
	int db_rc = consume(&b, e);
	pthread_join(thread, NULL);
	if (db_rc < 0)
		goto out;
	if (prod.rc < 0) {
		*e = prod.err;
		goto out;
	}
	if (ferror(hashed) || hr.failed) {
		err_set(e, "S3001", "could not read \"%s\": %s", path,
			in->error[0] ? in->error : strerror(errno));
		goto out;
	}
	hs = hr.state;
	progress(&b, 1);
	{
		/* The bytes loaded must be the bytes the batch key was made from: a file cut
		 * short or grown while it was read is refused, never committed in part. */
		uint8_t streamed[TOKEN_BYTES];
		crypto_generichash_final(&hs, streamed, TOKEN_BYTES);
		if (!from_stdin && sodium_memcmp(streamed, key, TOKEN_BYTES) != 0) {
			err_set(e, "S3005",
				"\"%s\" changed while it was being loaded; nothing was "
				"loaded",
				path);
			err_hint(e,
				 "Load a file once it is complete (copy it, then load the copy).");
			goto out;
		}
		memcpy(key, streamed, TOKEN_BYTES);
	}

	if (opt->atomic && r->rejected) {
		rc = 1;
		goto out;
	}
	/* Duplicates found by the last chunk may have passed the limits too. */
	if (b.over_limit) {
		over_limit_error(&b, e);
		goto out;
	}

	if (b.retry && r->accepted == 0) {
		/* Every record rejected before is rejected again: nothing changes (the reject
		 * rows are kept by the rollback). */
		r->already_loaded = 1;
		rc = 0;
		goto out;
	}
	if (b.retry) {
		/* The same batch: its key stays; the records accepted now join its count. */
		char counts[2][24];
		snprintf(counts[0], 24, "%ld", r->accepted);
		snprintf(counts[1], 24, "%ld", r->rejected);
		const char *params[] = {b.batch_id_text, counts[0], counts[1]};
		if (db_run(conn, e,
			   "UPDATE warehouse.batch SET accepted = accepted + $2, rejected = $3 "
			   "WHERE batch_id = $1",
			   3, params) < 0)
			goto out;
	} else {
		/* The real batch key: a conflict means the same input was loaded meanwhile. */
		pseudo_tier2(keys, b.ctx.key_version, key, key);
		struct strbuf sb;
		char counts[3][24];
		sb_init(&sb);
		sb_hex(&sb, PARAM_BYTEA, key, TOKEN_BYTES);
		snprintf(counts[0], 24, "%ld", r->records);
		snprintf(counts[1], 24, "%ld", r->accepted);
		snprintf(counts[2], 24, "%ld", r->rejected);
		const char *params[] = {sb.data, counts[0], counts[1], counts[2], b.batch_id_text};
		res =
		    PQexecParams(conn,
				 "UPDATE warehouse.batch SET batch_key = $1::bytea, records = $2, "
				 "accepted = $3, rejected = $4 WHERE batch_id = $5",
				 5, NULL, params, NULL, NULL, 0);
		sb_free(&sb);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state && strcmp(state, "23505") == 0) {
			PQclear(res);
			r->already_loaded = 1;
			rc = 0;
			goto out;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_error(conn, res, "S2002", e);
			PQclear(res);
			goto out;
		}
		PQclear(res);
	}
	if (opt->rebuild) {
		res = db_exec(conn, e, "SELECT warehouse.rebuild_analytics()", 0, NULL);
		if (!res)
			goto out;
		r->data_version = atol(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	if (db_run(conn, e, "COMMIT", 0, NULL) < 0)
		goto out;
	in_tx = 0;
	rc = 0;
out:
	if (in_tx) {
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
	}
	if (r->already_loaded) {
		r->records = r->accepted = 0; /* rejected: those of a retry, rejected again */
		r->victims_new = r->offenders_new = r->offenders_unlinkable = r->merges = 0;
	}
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < b.chunks[k].n_cases; i++)
			case_rec_free(&b.chunks[k].cases[i]);
		free(b.chunks[k].cases);
		sb_free(&b.chunks[k].rejects);
	}
	pthread_mutex_destroy(&b.pipe.mu);
	pthread_cond_destroy(&b.pipe.cv);
	pthread_mutex_destroy(&b.lock);
	free(b.retry);
	if (hashed)
		fclose(hashed);
	input_close(in);
	return rc;
}
