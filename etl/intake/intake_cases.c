/* POST /api/v1/cases (role submitter): one case object, an array of them, or NDJSON.
 * Each record is validated and pseudonymised here, on the request's thread, by the batch
 * loader's code (rec_from_json); the accepted ones go to the committer, which answers
 * after its COMMIT. Before any of that: the Idempotency-Key (a retry of a stored answer
 * costs one query), and the bounded scan of the body (json_scan.h), so that no limit is
 * found by a parser that has already allocated. */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/bom.h"
#include "common/db.h"
#include "common/xalloc.h"
#include "etl/load/batch.h"
#include "etl/load/input.h"
#include "common/copy.h"
#include "etl/intake/intake.h"
#include "etl/intake/json_scan.h"

#define KEY_MAX 255 /* bytes of an Idempotency-Key */

/* One request being taken apart: on the heap, since the answer is sent from the
 * committer's thread, after the handler has returned. */
struct take {
	struct submission s; /* first: the committer hands it back */
	struct http_request *req;
	struct intake *in;
	const struct principal *who;
	struct batch b; /* for batch_reject: the reject rows, as a file load writes them */
	struct load_options opt;
	struct load_result r;
	struct rec_context ctx;
	size_t cap;
	struct rejected {
		long index;
		json_t *result;
	} * rej;
	size_t nrej, caprej;
	long forbidden; /* 1 + the index of the first record of another agency; 0: none */
};

static void reject(struct take *t, long index, const struct rec_errors *errs)
{
	batch_reject(&t->b, &t->s.rejects, index, index + 1, errs);
	json_t *list = json_array();
	for (int i = 0; i < errs->n; i++)
		json_array_append_new(list,
				      json_pack("{s:s,s:s,s:s}", "code", errs->e[i].code, "pointer",
						errs->e[i].pointer, "message", errs->e[i].message));
	json_t *res = json_pack("{s:I,s:s,s:o}", "index", (json_int_t)index, "status", "rejected",
				"errors", list);
	if (errs->more)
		json_object_set_new(res, "more_errors", json_integer(errs->more));
	xgrow((void **)&t->rej, &t->caprej, t->nrej + 1, sizeof *t->rej);
	t->rej[t->nrej++] = (struct rejected){index, res};
	t->s.rejected++;
}

/* One record: its agency must be the submitter's, then validation. An agency that is no
 * code at all (a typing error) is validation's E2001 on /agency, not a 403: only a code
 * of another agency forbids the request. Borrows j. */
static void take_record(struct take *t, json_t *j, long index)
{
	struct rec_errors errs = {0};
	t->s.records++;
	json_t *agency = json_object_get(j, "agency");
	const struct code_list *agencies = codelists_get(t->ctx.lists, "agencies");
	if (json_is_string(agency) && strcmp(json_string_value(agency), t->who->agency) != 0 &&
	    agencies && codelist_index(agencies, json_string_value(agency)) >= 0 && !t->forbidden)
		t->forbidden = index + 1;
	xgrow((void **)&t->s.cases, &t->cap, t->s.n_cases + 1, sizeof *t->s.cases);
	struct case_rec *c = &t->s.cases[t->s.n_cases];
	memset(c, 0, sizeof *c);
	c->record_no = index;
	c->line = index + 1;
	if (!json_is_object(j)) {
		rec_error_add(&errs, "E1001", "", "a record must be a JSON object");
		reject(t, index, &errs);
	} else if (rec_from_json(&t->ctx, j, c, &errs) == 0) {
		t->s.n_cases++;
	} else {
		reject(t, index, &errs);
	}
}

static const char *scan_problem(enum json_scan_result r, const struct wq_config *cfg, char *buf,
				size_t size)
{
	if (r == SCAN_TOO_DEEP)
		snprintf(buf, size,
			 "A record is nested deeper than %d levels ([limits] "
			 "max_json_depth).",
			 cfg->max_json_depth);
	else if (r == SCAN_ARRAY_TOO_LONG)
		snprintf(buf, size, "An array holds more than %d items ([limits] max_array_items).",
			 cfg->max_array_items);
	return buf;
}

/* NDJSON: every non-blank line a record; a line that is not JSON, or past the limits,
 * is a rejected record, as in a file. */
static void take_ndjson(struct take *t, const char *body, size_t len)
{
	const struct wq_config *cfg = t->in->cfg;
	struct json_scan_limits lim = {cfg->max_json_depth, cfg->max_array_items,
				       cfg->max_array_items};
	long index = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(body + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (body + at)) : len - at;
		const char *line = body + at;
		at += n + 1;
		if (n && line[n - 1] == '\r')
			n--;
		if (line == body) { /* the body's first line */
			size_t bom = bom_length(line, n);
			line += bom;
			n -= bom;
		}
		if (input_blank_line(line, n))
			continue; /* blank lines are allowed */
		if (t->s.records >= cfg->max_records) {
			/* One record past the limit is 413 (I1002): read no further, as an array
			 * is refused by its scan (10 MiB of "{}" lines kept gigabytes of rejects).
			 */
			t->s.records++;
			break;
		}
		struct rec_errors errs = {0};
		long top;
		enum json_scan_result sr = json_scan(line, n, &lim, &top);
		json_error_t jerr;
		json_t *j = NULL;
		if (n > (size_t)cfg->max_record_bytes)
			rec_error_add(&errs, "E1005", "", "the record is longer than %d bytes",
				      cfg->max_record_bytes);
		else if (sr != SCAN_OK) {
			char why[160];
			rec_error_add(&errs, "E1005", "", "%s",
				      scan_problem(sr == SCAN_TOO_MANY ? SCAN_ARRAY_TOO_LONG : sr,
						   cfg, why, sizeof why));
		} else if (!(j = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr)))
			rec_error_add(&errs, "E1001", "", "the line is not valid JSON (column %d)",
				      jerr.column);
		if (errs.n) {
			t->s.records++;
			reject(t, index, &errs);
		} else {
			take_record(t, j, index);
		}
		json_decref(j);
		index++;
	}
}

static int by_key(const void *a, const void *b)
{
	const struct case_rec *x = a, *y = b;
	int c = memcmp(x->case_key, y->case_key, TOKEN_BYTES);
	return c ? c : (x->record_no > y->record_no) - (x->record_no < y->record_no);
}

static int by_index(const void *a, const void *b)
{
	long x = ((const struct rejected *)a)->index, y = ((const struct rejected *)b)->index;
	return (x > y) - (x < y);
}

/* E3008: one case twice in one request; the later record is rejected. */
static void drop_duplicates(struct take *t)
{
	struct submission *s = &t->s;
	if (s->n_cases < 2)
		return;
	qsort(s->cases, s->n_cases, sizeof *s->cases, by_key);
	size_t kept = 1;
	for (size_t i = 1; i < s->n_cases; i++) {
		if (memcmp(s->cases[i].case_key, s->cases[kept - 1].case_key, TOKEN_BYTES) != 0) {
			s->cases[kept++] = s->cases[i];
			continue;
		}
		struct rec_errors errs = {0};
		rec_error_add(&errs, "E3008", "/case_ref",
			      "this agency's case reference appears twice in this request");
		reject(t, s->cases[i].record_no, &errs);
		rec_free(&s->cases[i]);
	}
	s->n_cases = kept;
}

/* The answer, stored with the batch and sent (again to a retry). */
static void build_response(struct take *t, int atomic)
{
	struct submission *s = &t->s;
	if (t->nrej > 1)
		qsort(t->rej, t->nrej, sizeof *t->rej, by_index);
	json_t *results = json_array();
	for (size_t i = 0; i < t->nrej; i++)
		json_array_append_new(results, t->rej[i].result);
	t->nrej = 0;
	char batch[32];
	snprintf(batch, sizeof batch, "b-%lld", s->batch_id);
	s->accepted = atomic && s->rejected ? 0 : (long)s->n_cases;
	s->status = s->rejected ? 422 : 200;
	json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:o}", "batch", batch, "records",
			      (json_int_t)s->records, "accepted", (json_int_t)s->accepted,
			      "rejected", (json_int_t)s->rejected, "results", results);
	if (atomic && s->rejected)
		json_object_set_new(o, "note",
				    json_string("atomic=true: a record was rejected, so "
						"none was loaded"));
	s->response = json_dumps(o, JSON_COMPACT);
	json_decref(o);
}

/* The keyed hashes of the Idempotency-Key (with the agency: keys are per agency) and of
 * what makes the request what it is (its type, atomic, its body). */
static void hash_request(struct take *t, const char *key, const char *type, int atomic,
			 const char *body, size_t len)
{
	const uint8_t *k = t->in->keys->sub[KEY_BATCH]->bytes;
	crypto_generichash_state st;
	crypto_generichash_init(&st, k, KEY_BYTES, 32);
	crypto_generichash_update(&st, (const uint8_t *)"idempotency", 12);
	crypto_generichash_update(&st, (const uint8_t *)t->who->agency, strlen(t->who->agency) + 1);
	crypto_generichash_update(&st, (const uint8_t *)key, strlen(key));
	crypto_generichash_final(&st, t->s.key_hash, 32);
	crypto_generichash_init(&st, k, KEY_BYTES, 32);
	crypto_generichash_update(&st, (const uint8_t *)"body", 5);
	crypto_generichash_update(&st, (const uint8_t *)type, strlen(type) + 1);
	crypto_generichash_update(&st, (const uint8_t *)(atomic ? "1" : "0"), 1);
	crypto_generichash_update(&st, (const uint8_t *)body, len);
	crypto_generichash_final(&st, t->s.body_hash, 32);
}

static int valid_key(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return 0;
	return 1;
}

static void send_stored(struct http_response *resp, unsigned status, const char *body)
{
	http_text(resp, status, "application/json", body, strlen(body));
}

/* The answer to a retry of a request whose batch was withdrawn: 410, never loaded again
 * (the key is remembered as long as the batch would have remembered it). */
static void withdrawn_answer(struct http_response *resp, long long batch)
{
	char detail[160];
	snprintf(detail, sizeof detail,
		 "This Idempotency-Key's request was loaded as batch b-%lld, which an "
		 "administrator withdrew; nothing was loaded now.",
		 batch);
	http_problem(resp, 410, "I1008", "this request's batch was withdrawn", detail,
		     "Send the cases again under a new Idempotency-Key if they are to be loaded.");
}

/* The batch id, and the stored answer of this key if any: one query. 1 when a stored
 * answer was sent (or a conflict), 0 to go on, -1 when the database failed (answered). */
static int prepare(struct take *t, struct http_request *req, struct http_response *resp)
{
	struct wq_error e;
	PGconn *conn = http_db(req);
	struct strbuf key;
	char hours[16];
	sb_init(&key);
	if (t->s.has_key)
		sb_hex(&key, PARAM_BYTEA, t->s.key_hash, 32);
	snprintf(hours, sizeof hours, "%d", t->in->cfg->idempotency_hours);
	const char *params[] = {t->s.has_key ? key.data : NULL, hours};
	PGresult *r =
	    conn
		? db_exec(conn, &e,
			  "SELECT nextval(pg_get_serial_sequence('warehouse.batch', 'batch_id')), "
			  "b.status, b.response, b.body_hash, b.withdrawn FROM (VALUES (1)) v "
			  "LEFT JOIN (SELECT status, response, body_hash, loaded_at, NULL::bigint "
			  "  AS withdrawn FROM warehouse.batch WHERE idempotency_key = $1::bytea "
			  "  UNION ALL SELECT 410, '', body_hash, loaded_at, batch_id "
			  "  FROM warehouse.withdrawn_request WHERE idempotency_key = $1::bytea) b "
			  "ON b.loaded_at >= now() - $2::int * interval '1 hour'",
			  2, params)
		: NULL;
	sb_free(&key);
	if (!r) {
		http_db_reset();
		http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL,
			     "Retry with the same Idempotency-Key.");
		resp->retry_after = 1;
		return -1;
	}
	t->s.batch_id = atoll(PQgetvalue(r, 0, 0));
	int done = 0;
	if (!PQgetisnull(r, 0, 1)) {
		size_t n;
		unsigned char *h = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 3), &n);
		int same = h && n == 32 && sodium_memcmp(h, t->s.body_hash, 32) == 0;
		if (same && !PQgetisnull(r, 0, 4))
			withdrawn_answer(resp, atoll(PQgetvalue(r, 0, 4)));
		else if (same)
			send_stored(resp, (unsigned)atoi(PQgetvalue(r, 0, 1)), PQgetvalue(r, 0, 2));
		else
			http_problem(resp, 409, "I1005",
				     "this Idempotency-Key was used for another request",
				     "A retry must send the same body, type and atomic flag.",
				     "Use a new key for a new request.");
		PQfreemem(h);
		done = 1;
	}
	PQclear(r);
	return done;
}

static void take_free(struct take *t)
{
	for (size_t i = 0; i < t->s.n_cases; i++)
		rec_free(&t->s.cases[i]);
	free(t->s.cases);
	for (size_t i = 0; i < t->nrej; i++)
		json_decref(t->rej[i].result);
	free(t->rej);
	sb_free(&t->s.rejects);
	free(t->s.response);
	free(t->s.stored_response);
	pthread_mutex_destroy(&t->b.lock);
}

/* The committer's answer, sent from its thread. */
static void committed(struct submission *s)
{
	struct take *t = (struct take *)s;
	struct http_request *req = t->req;
	struct http_response resp = {0};
	switch (s->outcome) {
	case OUTCOME_COMMITTED:
		send_stored(&resp, s->status, s->response);
		break;
	case OUTCOME_REPLAYED:
		send_stored(&resp, s->stored_status, s->stored_response);
		break;
	case OUTCOME_WITHDRAWN:
		withdrawn_answer(&resp, s->withdrawn_batch);
		break;
	case OUTCOME_CONFLICT:
		http_problem(&resp, 409, "I1005",
			     "this Idempotency-Key was used for another request",
			     "A retry must send the same body, type and atomic flag.",
			     "Use a new key for a new request.");
		break;
	default:
		/* The code only: a database's message is not the client's business. */
		http_problem(&resp, 503, s->error.code, "the cases were not committed",
			     "Nothing of this request was loaded, or its commit was not confirmed.",
			     s->has_key
				 ? "Retry with the same Idempotency-Key: a committed request "
				   "is then answered as it was, never loaded twice."
				 : "Retry with an Idempotency-Key next time: without one, a "
				   "request whose commit was not confirmed may load twice.");
		resp.retry_after = 1;
		break;
	}
	take_free(t);
	free(t);
	http_resume(req, &resp);
}

void intake_cases_post(struct http_request *req, struct http_response *resp)
{
	struct intake *in = http_app(req);
	const struct wq_config *cfg = in->cfg;
	char type[64], why[160];
	const char *body, *atomic_text = http_query(req, "atomic");
	size_t len;
	int atomic = atomic_text && strcmp(atomic_text, "true") == 0;
	http_body(req, &body, &len);

	intake_media_type(req, type, sizeof type);
	int ndjson = strcmp(type, "application/x-ndjson") == 0;
	if (!ndjson && strcmp(type, "application/json") != 0) {
		http_problem(resp, 415, "H1415", "unsupported media type",
			     "Send application/json (a case or an array of cases) or "
			     "application/x-ndjson (a case per line).",
			     NULL);
		return;
	}
	if (atomic_text && !atomic && strcmp(atomic_text, "false") != 0) {
		http_problem_param(resp, "I1006", "atomic must be true or false", "atomic",
				   "true or false");
		return;
	}
	const char *key = http_header(req, "Idempotency-Key");
	if (key && !valid_key(key)) {
		http_problem(resp, 400, "I1004", "a bad Idempotency-Key",
			     "1 to 255 visible ASCII characters (a UUID, say).", NULL);
		return;
	}
	int version = committer_key_version(in->committer);
	if (!version) {
		http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL,
			     "Retry with the same Idempotency-Key.");
		resp->retry_after = 1;
		return;
	}
	struct take *t = xcalloc(1, sizeof *t);
	t->req = req;
	t->in = in;
	t->who = http_principal(req);
	snprintf(t->s.agency, sizeof t->s.agency, "%s", t->who->agency);
	t->s.has_key = key != NULL;
	t->s.key_version = version;
	sb_init(&t->s.rejects);
	hash_request(t, key ? key : "", type, atomic, body, len);
	t->opt = (struct load_options){0};
	t->b = (struct batch){.cfg = cfg, .opt = &t->opt, .r = &t->r};
	pthread_mutex_init(&t->b.lock, NULL);
	t->ctx = (struct rec_context){&in->lists, in->keys, version, cfg->default_id_country,
				      cfg->max_json_depth};
	if (prepare(t, req, resp) != 0)
		goto out;
	snprintf(t->b.id_text, sizeof t->b.id_text, "%lld", t->s.batch_id);

	if (ndjson) {
		take_ndjson(t, body, len);
	} else {
		/* One object, or an array of records: depth counts from the records. */
		struct json_scan_limits lim = {cfg->max_json_depth + 1, cfg->max_array_items,
					       cfg->max_records};
		long top;
		enum json_scan_result sr = json_scan(body, len, &lim, &top);
		if (sr == SCAN_TOO_MANY) {
			snprintf(why, sizeof why,
				 "At most %d records per request ([limits] "
				 "max_records).",
				 cfg->max_records);
			http_problem(resp, 413, "I1002", "too many records", why,
				     "Split the records over several requests.");
			goto out;
		}
		if (sr != SCAN_OK) {
			http_problem(resp, 400, "E1005", "the body is past a limit",
				     scan_problem(sr, cfg, why, sizeof why), NULL);
			goto out;
		}
		json_error_t jerr;
		json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!j) {
			snprintf(why, sizeof why, "Line %d, column %d: %s.", jerr.line, jerr.column,
				 json_error_code(&jerr) == json_error_duplicate_key
				     ? "a field appears twice in one object"
				     : "not valid JSON");
			http_problem(resp, 400, "E1001", "the body is not valid JSON", why, NULL);
			goto out;
		}
		if (json_is_array(j)) {
			size_t i;
			json_t *v;
			json_array_foreach (j, i, v)
				take_record(t, v, (long)i);
		} else {
			take_record(t, j, 0);
		}
		json_decref(j);
	}
	if (t->forbidden) {
		char detail[160];
		snprintf(detail, sizeof detail,
			 "Record %ld names another agency: a submitter submits only its own "
			 "agency's cases; nothing was loaded.",
			 t->forbidden - 1);
		http_problem(resp, 403, "I1003", "a record of another agency", detail, NULL);
		goto out;
	}
	if (t->s.records == 0) {
		http_problem(resp, 400, "I1001", "no records", "The body holds no case.", NULL);
		goto out;
	}
	if (t->s.records > cfg->max_records) {
		snprintf(why, sizeof why, "At most %d records per request ([limits] max_records).",
			 cfg->max_records);
		http_problem(resp, 413, "I1002", "too many records", why,
			     "Split the records over several requests.");
		goto out;
	}
	drop_duplicates(t);
	build_response(t, atomic);
	if (atomic && t->s.rejected) {
		for (size_t i = 0; i < t->s.n_cases; i++)
			rec_free(&t->s.cases[i]);
		t->s.n_cases = 0;
	}

	/* Suspended first: the committer may answer before this returns. */
	t->s.done = committed;
	http_defer(req);
	committer_submit(in->committer, &t->s);
	return;
out:
	take_free(t);
	free(t);
}
