/* The intake's spool (see spool.h). */
#include "etl/intake/spool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/attribute.h"
#include "common/copy.h"
#include "common/db.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* ---- the records' encoding ----
 * A version byte, then per case its numbers (int32, host order: the spool is read back by
 * the same build, and a version byte tells another layout), its case key, and its codes as
 * length-prefixed strings (NO_STRING for NULL; a code is at most CODE_MAX bytes, S1102). Persons
 * carry their tokens (kind, country, tier-2 hash) and every attribute of common/attribute.h, whose
 * count is written so that a table of another length is refused rather than misread. */

#define LAYOUT	  1
#define NO_STRING 0xFFFF
#define CODE_MAX  64

static void put_int(struct strbuf *sb, long v)
{
	int32_t x = (int32_t)v;
	sb_put(sb, &x, sizeof x);
}

static void put_str(struct strbuf *sb, const char *s)
{
	size_t n = s ? strlen(s) : NO_STRING;
	uint16_t len = (uint16_t)(n < NO_STRING ? n : NO_STRING);
	sb_put(sb, &len, sizeof len);
	if (s)
		sb_put(sb, s, len);
}

static void put_person(struct strbuf *sb, const struct person_rec *p)
{
	put_str(sb, p->sex);
	put_int(sb, p->age);
	put_int(sb, p->child);
	put_int(sb, (long)attr_count());
	for (size_t a = 0; a < attr_count(); a++)
		put_str(sb, p->attr[a]);
	put_int(sb, p->ntok);
	for (int t = 0; t < p->ntok; t++) {
		sb_put(sb, &p->tok[t].kind, 1);
		sb_put(sb, p->tok[t].country, sizeof p->tok[t].country);
		sb_put(sb, p->tok[t].hash, TOKEN_BYTES);
	}
}

void spool_encode(struct strbuf *out, const struct case_rec *cases, size_t n)
{
	sb_putc(out, LAYOUT);
	put_int(out, (long)n);
	for (size_t i = 0; i < n; i++) {
		const struct case_rec *c = &cases[i];
		put_int(out, c->line);
		put_int(out, c->record_no);
		sb_put(out, c->case_key, TOKEN_BYTES);
		put_str(out, c->agency);
		put_str(out, c->region);
		put_str(out, c->detection);
		put_str(out, c->status);
		put_int(out, c->reported);
		put_int(out, c->incident);
		put_int(out, c->reported_day);
		put_int(out, c->financial);
		put_int(out, c->n_offences);
		for (int k = 0; k < c->n_offences; k++)
			put_str(out, c->offences[k]);
		put_int(out, c->n_technology);
		for (int k = 0; k < c->n_technology; k++)
			put_str(out, c->technology[k]);
		put_int(out, c->n_victims);
		for (int k = 0; k < c->n_victims; k++)
			put_person(out, &c->victims[k]);
		put_int(out, c->n_offenders);
		for (int k = 0; k < c->n_offenders; k++)
			put_person(out, &c->offenders[k]);
		put_int(out, c->n_interventions);
		for (int k = 0; k < c->n_interventions; k++) {
			const struct intervention_rec *v = &c->interventions[k];
			sb_putc(out, v->person_role);
			put_int(out, v->person_seq);
			put_str(out, v->type);
			put_str(out, v->level);
			put_str(out, v->outcome);
			put_int(out, v->started);
			put_int(out, v->completed);
		}
	}
}

/* A reader over the encoding. The spool is the database's, and a stolen or broken server
 * can write anything into it: every count is bounded by what is left to read, every code
 * is looked up in its code list (the case then points at the list's own string, as a
 * validated one does, and no byte of the row reaches the chunk code's COPY text), and
 * persons named by interventions exist. */
struct reader {
	const unsigned char *p, *end;
	const struct codelists *lists;
	int bad;
};

static const void *take(struct reader *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	const void *at = r->p;
	r->p += n;
	return at;
}

static int get_int(struct reader *r)
{
	int32_t x = 0;
	const void *at = take(r, sizeof x);
	if (at)
		memcpy(&x, at, sizeof x);
	return x;
}

/* A count of N items of at least MIN bytes each, at most LIMIT. */
static int get_count(struct reader *r, int limit, size_t min)
{
	int n = get_int(r);
	if (n < 0 || n > limit || (size_t)(r->end - r->p) < (size_t)n * min)
		r->bad = 1;
	return r->bad ? 0 : n;
}

/* A code of list LIST (NULL when absent and not REQUIRED): the list's own string. */
static const char *get_code(struct reader *r, const char *list, int required)
{
	uint16_t len = 0;
	const void *at = take(r, sizeof len);
	if (at)
		memcpy(&len, at, sizeof len);
	if (r->bad)
		return NULL;
	if (len == NO_STRING) {
		r->bad |= required;
		return NULL;
	}
	const char *s = take(r, len);
	char code[CODE_MAX + 1];
	const struct code_list *l = codelists_get(r->lists, list);
	if (!s || len > CODE_MAX || !l) {
		r->bad = 1;
		return NULL;
	}
	memcpy(code, s, len);
	code[len] = '\0';
	int i = codelist_index(l, code);
	if (i < 0) {
		r->bad = 1;
		return NULL;
	}
	return l->items[i].code;
}

static void get_person(struct reader *r, struct person_rec *p)
{
	p->sex = get_code(r, "sex", 1);
	p->age = get_int(r);
	p->child = get_int(r);
	if (get_int(r) != (int)attr_count())
		r->bad = 1;
	for (size_t a = 0; a < attr_count() && !r->bad; a++)
		p->attr[a] = get_code(r, attr_at(a)->list, 1);
	p->ntok = get_count(r, 3, 1 + 3 + TOKEN_BYTES);
	for (int t = 0; t < p->ntok; t++) {
		const unsigned char *kind = take(r, 1), *country = take(r, 3),
				    *hash = take(r, TOKEN_BYTES);
		if (r->bad)
			return;
		p->tok[t].kind = *kind;
		memcpy(p->tok[t].country, country, 3);
		p->tok[t].country[2] = '\0';
		memcpy(p->tok[t].hash, hash, TOKEN_BYTES);
	}
}

static void get_case(struct reader *r, struct case_rec *c)
{
	memset(c, 0, sizeof *c);
	c->line = get_int(r);
	c->record_no = get_int(r);
	const void *key = take(r, TOKEN_BYTES);
	if (key)
		memcpy(c->case_key, key, TOKEN_BYTES);
	c->agency = get_code(r, "agencies", 1);
	c->region = get_code(r, "regions", 1);
	c->detection = get_code(r, "detection", 1);
	c->status = get_code(r, "status", 1);
	c->reported = get_int(r);
	c->incident = get_int(r);
	c->reported_day = get_int(r);
	c->financial = get_int(r);
	c->n_offences = get_count(r, 16, 2);
	for (int k = 0; k < c->n_offences; k++)
		c->offences[k] = get_code(r, "offences", 1);
	c->n_technology = get_count(r, 16, 2);
	for (int k = 0; k < c->n_technology; k++)
		c->technology[k] = get_code(r, "technology", 1);
	c->n_victims = get_count(r, REC_MAX_PERSONS, 8);
	c->victims = xcalloc((size_t)c->n_victims + 1, sizeof *c->victims);
	for (int k = 0; k < c->n_victims && !r->bad; k++)
		get_person(r, &c->victims[k]);
	c->n_offenders = get_count(r, REC_MAX_PERSONS, 8);
	c->offenders = xcalloc((size_t)c->n_offenders + 1, sizeof *c->offenders);
	for (int k = 0; k < c->n_offenders && !r->bad; k++)
		get_person(r, &c->offenders[k]);
	c->n_interventions = get_count(r, REC_MAX_INTERVENTIONS, 1);
	c->interventions = xcalloc((size_t)c->n_interventions + 1, sizeof *c->interventions);
	for (int k = 0; k < c->n_interventions && !r->bad; k++) {
		struct intervention_rec *v = &c->interventions[k];
		const char *role = take(r, 1);
		v->person_role = role ? *role : 0;
		v->person_seq = get_int(r);
		v->type = get_code(r, "intervention_type", 1);
		v->level = get_code(r, "intervention_level", 0);
		v->outcome = get_code(r, "intervention_outcome", 0);
		v->started = get_int(r);
		v->completed = get_int(r);
		int of = v->person_role == 'v'	 ? c->n_victims
			 : v->person_role == 'o' ? c->n_offenders
						 : 0;
		if (v->person_seq < 1 || v->person_seq > of)
			r->bad = 1;
	}
}

int spool_decode(const struct codelists *lists, const unsigned char *p, size_t len,
		 struct case_rec **cases, size_t *n)
{
	struct reader r = {p, p + len, lists, 0};
	const unsigned char *layout = take(&r, 1);
	if (!layout || *layout != LAYOUT)
		r.bad = 1;
	size_t count = (size_t)get_count(&r, 1 << 20, 64);
	struct case_rec *out = xcalloc(count + 1, sizeof *out);
	size_t k = 0;
	while (k < count && !r.bad)
		get_case(&r, &out[k++]);
	if (r.bad || r.p != r.end) {
		for (size_t i = 0; i < k; i++)
			rec_free(&out[i]);
		free(out);
		return -1;
	}
	*cases = out;
	*n = count;
	return 0;
}

/* ---- the table ---- */

int spool_write(PGconn *conn, struct submission **group, size_t n, struct wq_error *e)
{
	struct strbuf rows, blob;
	sb_init(&rows);
	sb_init(&blob);
	for (size_t i = 0; i < n; i++) {
		struct submission *s = group[i];
		if (s->outcome != OUTCOME_PENDING || s->n_cases == 0)
			continue;
		sb_reset(&blob);
		spool_encode(&blob, s->cases, s->n_cases);
		sb_printf(&rows, "%lld\t%d\t%zu\t", s->batch_id, s->key_version, s->n_cases);
		sb_hex(&rows, COPY_BYTEA, blob.data, blob.len);
		sb_putc(&rows, '\n');
		for (size_t k = 0; k < s->n_cases; k++)
			rec_free(&s->cases[k]);
		s->n_cases = 0;
	}
	int rc = rows.len == 0 ? 0
			       : db_copy(conn, e,
					 "COPY warehouse.intake_spool (batch_id, key_version, "
					 "n_cases, cases) FROM STDIN",
					 rows.data, rows.len);
	sb_free(&rows);
	sb_free(&blob);
	return rc;
}

int spool_read(PGconn *conn, const struct codelists *lists, long max_cases, long long upto,
	       int version, struct submission **list, struct strbuf *ids, struct wq_error *e)
{
	char max[24], last[24];
	snprintf(max, sizeof max, "%ld", max_cases);
	snprintf(last, sizeof last, "%lld", upto);
	const char *params[] = {max, last};
	/* The oldest rows while their running total stays within MAX (the first always);
	 * binary results: the records without hex. */
	PGresult *r =
	    PQexecParams(conn,
			 "SELECT spool_id::text, batch_id::text, key_version::text, cases FROM ("
			 "  SELECT spool_id, batch_id, key_version, cases, "
			 "    sum(n_cases) OVER (ORDER BY spool_id) - n_cases AS before "
			 "  FROM warehouse.intake_spool WHERE spool_id <= $2::bigint "
			 "  ORDER BY spool_id LIMIT 1000) s "
			 "WHERE before < $1::bigint ORDER BY spool_id",
			 2, NULL, params, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_error(conn, r, "S2002", e);
		PQclear(r);
		return -1;
	}
	struct submission **tail = list;
	*list = NULL;
	sb_reset(ids);
	sb_putc(ids, '{');
	int rows = PQntuples(r);
	for (int i = 0; i < rows; i++) {
		struct submission *s = xcalloc(1, sizeof *s);
		s->batch_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		s->key_version = atoi(PQgetvalue(r, i, 2));
		s->outcome = OUTCOME_PENDING;
		*tail = s;
		tail = &s->next;
		sb_printf(ids, "%s%s", i ? "," : "", PQgetvalue(r, i, 0));
		if (s->key_version < 1 || s->key_version > version ||
		    spool_decode(lists, (const unsigned char *)PQgetvalue(r, i, 3),
				 (size_t)PQgetlength(r, i, 3), &s->cases, &s->n_cases) < 0) {
			err_set(e, "S3011", "spooled submission b-%lld cannot be read back",
				s->batch_id);
			err_hint(e, "It stays spooled, and so does every later one, until it is "
				    "withdrawn; see docs/operations.md (\"The intake's spool\").");
			PQclear(r);
			while (*list) {
				struct submission *next = (*list)->next;
				spool_free(*list);
				*list = next;
			}
			return -1;
		}
	}
	sb_putc(ids, '}');
	PQclear(r);
	return rows > 0;
}

int spool_remove(PGconn *conn, const char *ids, struct wq_error *e)
{
	const char *params[] = {ids};
	return db_run(conn, e,
		      "DELETE FROM warehouse.intake_spool WHERE spool_id = ANY ($1::bigint[])", 1,
		      params);
}

void spool_free(struct submission *s)
{
	for (size_t k = 0; k < s->n_cases; k++)
		rec_free(&s->cases[k]);
	free(s->cases);
	free(s);
}
