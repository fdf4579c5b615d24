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
 * length-prefixed strings (NO_STRING for NULL). Persons carry their tokens (kind, country,
 * tier-2 hash) and every attribute of common/attribute.h, whose count is written so that
 * a table of another length is refused rather than misread. */

#define LAYOUT	  1
#define NO_STRING 0xFFFF

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

/* A reader over the encoding; strings are copied, NUL-terminated, into a block no larger
 * than the input (each takes its bytes and a NUL in place of its two-byte length). */
struct reader {
	const unsigned char *p, *end;
	char *strings;
	size_t used;
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

static const char *get_str(struct reader *r)
{
	uint16_t len = 0;
	const void *at = take(r, sizeof len);
	if (at)
		memcpy(&len, at, sizeof len);
	if (r->bad || len == NO_STRING)
		return NULL;
	const char *s = take(r, len);
	if (!s)
		return NULL;
	char *out = r->strings + r->used;
	memcpy(out, s, len);
	out[len] = '\0';
	r->used += (size_t)len + 1;
	return out;
}

static void get_person(struct reader *r, struct person_rec *p)
{
	p->sex = get_str(r);
	p->age = get_int(r);
	p->child = get_int(r);
	if (get_int(r) != (int)attr_count())
		r->bad = 1;
	for (size_t a = 0; a < attr_count() && !r->bad; a++)
		p->attr[a] = get_str(r);
	p->ntok = get_count(r, 3, 1 + 3 + TOKEN_BYTES);
	for (int t = 0; t < p->ntok; t++) {
		const unsigned char *kind = take(r, 1), *country = take(r, 3),
				    *hash = take(r, TOKEN_BYTES);
		if (r->bad)
			return;
		p->tok[t].kind = *kind;
		memcpy(p->tok[t].country, country, 3);
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
	c->agency = get_str(r);
	c->region = get_str(r);
	c->detection = get_str(r);
	c->status = get_str(r);
	c->reported = get_int(r);
	c->incident = get_int(r);
	c->reported_day = get_int(r);
	c->financial = get_int(r);
	c->n_offences = get_count(r, 16, 2);
	for (int k = 0; k < c->n_offences; k++)
		c->offences[k] = get_str(r);
	c->n_technology = get_count(r, 16, 2);
	for (int k = 0; k < c->n_technology; k++)
		c->technology[k] = get_str(r);
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
		v->type = get_str(r);
		v->level = get_str(r);
		v->outcome = get_str(r);
		v->started = get_int(r);
		v->completed = get_int(r);
	}
	/* What validation guarantees and the chunk code relies on. */
	if (!c->agency || !c->region || !c->detection || !c->status)
		r->bad = 1;
}

int spool_decode(const unsigned char *p, size_t len, struct case_rec **cases, size_t *n,
		 char **strings)
{
	struct reader r = {p, p + len, xmalloc(len + 1), 0, 0};
	const unsigned char *layout = take(&r, 1);
	size_t count = layout && *layout == LAYOUT ? (size_t)get_count(&r, 1 << 24, 32) : 0;
	struct case_rec *out = xcalloc(count + 1, sizeof *out);
	size_t k = 0;
	if (!layout || *layout != LAYOUT)
		r.bad = 1;
	while (k < count && !r.bad)
		get_case(&r, &out[k++]);
	if (r.bad || r.p != r.end) {
		for (size_t i = 0; i < k; i++)
			rec_free(&out[i]);
		free(out);
		free(r.strings);
		return -1;
	}
	*cases = out;
	*n = count;
	*strings = r.strings;
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

int spool_read(PGconn *conn, long max_cases, struct submission **list, long long *last,
	       struct wq_error *e)
{
	char max[24];
	snprintf(max, sizeof max, "%ld", max_cases);
	const char *params[] = {max};
	/* The oldest rows while their running total stays within MAX (the first always);
	 * binary results: the records without hex. */
	PGresult *r =
	    PQexecParams(conn,
			 "SELECT spool_id::text, batch_id::text, key_version::text, cases FROM ("
			 "  SELECT spool_id, batch_id, key_version, cases, "
			 "    sum(n_cases) OVER (ORDER BY spool_id) - n_cases AS before "
			 "  FROM warehouse.intake_spool ORDER BY spool_id LIMIT 1000) s "
			 "WHERE before < $1::bigint ORDER BY spool_id",
			 1, NULL, params, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		db_error(conn, r, "S2002", e);
		PQclear(r);
		return -1;
	}
	struct submission **tail = list;
	*list = NULL;
	int rows = PQntuples(r);
	for (int i = 0; i < rows; i++) {
		struct submission *s = xcalloc(1, sizeof *s);
		s->batch_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		s->key_version = atoi(PQgetvalue(r, i, 2));
		s->outcome = OUTCOME_PENDING;
		*tail = s;
		tail = &s->next;
		*last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		if (spool_decode((const unsigned char *)PQgetvalue(r, i, 3),
				 (size_t)PQgetlength(r, i, 3), &s->cases, &s->n_cases,
				 &s->spooled_strings) < 0) {
			err_set(e, "S3011", "spooled submission b-%lld cannot be read back",
				s->batch_id);
			err_hint(e, "It stays spooled, and so does every later one; see "
				    "docs/operations.md (\"The intake's spool\").");
			PQclear(r);
			while (*list) {
				struct submission *next = (*list)->next;
				spool_free(*list);
				*list = next;
			}
			return -1;
		}
	}
	PQclear(r);
	return rows > 0;
}

int spool_remove(PGconn *conn, long long last, struct wq_error *e)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", last);
	const char *params[] = {id};
	return db_run(conn, e, "DELETE FROM warehouse.intake_spool WHERE spool_id <= $1", 1,
		      params);
}

void spool_free(struct submission *s)
{
	for (size_t k = 0; k < s->n_cases; k++)
		rec_free(&s->cases[k]);
	free(s->cases);
	free(s->spooled_strings);
	free(s);
}
