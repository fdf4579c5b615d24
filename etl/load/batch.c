/* A batch being loaded (see batch.h): its key, its retry set and its rejects. */
#include "etl/load/batch.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/xalloc.h"
#include "common/copy.h"
#include "etl/load/csv_reader.h"
#include "etl/load/input.h"

/* ---- the batch key ---- */

int batch_key_of_file(struct keys *k, const char *path, uint8_t out[TOKEN_BYTES],
		      struct wq_error *e)
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

static ssize_t key_reader_read(void *cookie, char *buf, size_t size)
{
	struct batch_key_reader *h = cookie;
	size_t n = fread(buf, 1, size, h->under);
	if (n == 0 && ferror(h->under)) {
		h->failed = 1;
		return -1;
	}
	crypto_generichash_update(&h->state, (const uint8_t *)buf, n);
	h->bytes += (long long)n;
	return (ssize_t)n;
}

FILE *batch_key_reader_open(struct batch_key_reader *h, FILE *under, struct keys *k)
{
	memset(h, 0, sizeof *h);
	h->under = under;
	crypto_generichash_init(&h->state, k->sub[KEY_BATCH]->bytes, KEY_BYTES, TOKEN_BYTES);
	return fopencookie(h, "r", (cookie_io_functions_t){.read = key_reader_read});
}

void batch_key_reader_final(struct batch_key_reader *h, uint8_t out[TOKEN_BYTES])
{
	crypto_generichash_final(&h->state, out, TOKEN_BYTES);
}

int batch_find(PGconn *conn, const uint8_t key[TOKEN_BYTES], long long *id, long *rejected,
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

/* ---- a batch loaded again ---- */

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

int batch_retry_prepare(struct batch *b, struct wq_error *e)
{
	const char *params[] = {b->id_text};
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

int batch_wants(const struct batch *b, long record_no)
{
	return !b->retry || bsearch(&record_no, b->retry, b->n_retry, sizeof(long), cmp_long);
}

/* ---- rejects ---- */

/* The --rejects file: one JSON line per rejected record. */
static void reject_line(FILE *f, int csv, long record_no, long line, const struct rec_errors *errs)
{
	json_t *o = json_pack("{s:I,s:I,s:[]}", "record", (json_int_t)record_no,
			      csv ? "row" : "line", (json_int_t)line, "errors");
	json_t *arr = json_object_get(o, "errors");
	for (int i = 0; i < errs->n; i++)
		json_array_append_new(arr,
				      json_pack("{s:s,s:s,s:s}", "code", errs->e[i].code, "pointer",
						errs->e[i].pointer, "message", errs->e[i].message));
	if (errs->more)
		json_object_set_new(o, "more_errors", json_integer(errs->more));
	char *s = json_dumps(o, JSON_COMPACT);
	fprintf(f, "%s\n", s);
	free(s);
	json_decref(o);
}

void batch_reject(struct batch *b, struct strbuf *rows, long record_no, long line,
		  const struct rec_errors *in)
{
	struct rec_errors errs = *in;
	if (b->csv) /* pointers become the CSV columns they come from */
		for (int i = 0; i < errs.n; i++) {
			char col[96];
			csv_column_of(errs.e[i].pointer, col, sizeof col);
			snprintf(errs.e[i].pointer, sizeof errs.e[i].pointer, "%s", col);
		}
	pthread_mutex_lock(&b->lock);
	b->r->rejected++;
	const struct wq_config *cfg = b->cfg;
	if (b->r->rejected > cfg->max_rejects ||
	    (b->r->records >= cfg->reject_share_after &&
	     (double)b->r->rejected > cfg->max_reject_share * (double)b->r->records))
		b->over_limit = 1;
	for (int i = 0; i < errs.n; i++) {
		const struct rec_error *er = &errs.e[i];
		sb_printf(rows, "%s\t%ld\t%ld\t", b->id_text, record_no, line);
		copy_text(rows, er->code);
		sb_putc(rows, '\t');
		copy_text(rows, er->pointer);
		sb_putc(rows, '\t');
		copy_text(rows, er->message);
		sb_putc(rows, '\n');
	}
	if (b->opt->rejects)
		reject_line(b->opt->rejects, b->csv, record_no, line, &errs);
	pthread_mutex_unlock(&b->lock);
}

int batch_check_limits(struct batch *b, struct wq_error *e)
{
	pthread_mutex_lock(&b->lock);
	int over = b->over_limit;
	long rejected = b->r->rejected, records = b->r->records;
	pthread_mutex_unlock(&b->lock);
	if (!over)
		return 0;
	err_set(e, "S3004",
		"the batch is mostly rejected records (%ld of the %ld read); nothing was loaded",
		rejected, records);
	err_hint(e,
		 "An agency's file is not mostly garbage: check the file, or raise [etl] "
		 "max_rejects (%d) or max_reject_share (%g, after %d records).",
		 b->cfg->max_rejects, b->cfg->max_reject_share, b->cfg->reject_share_after);
	return -1;
}

int batch_write_rejects(struct batch *b, struct strbuf *rows, struct wq_error *e)
{
	int rc = 0;
	if (rows->len)
		rc = db_copy(b->conn, e,
			     "COPY warehouse.reject (batch_id, record_no, line, code, pointer, "
			     "message) FROM STDIN",
			     rows->data, rows->len);
	sb_reset(rows);
	return rc;
}
