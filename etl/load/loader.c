/* The batch loader (see loader.h): control flow and the reading thread. One transaction
 * per batch: the storage-key version is read under a share lock (so a rotation cannot
 * interleave), linkage is serialised with an advisory lock (so two concurrent loads
 * cannot both create the same child), records are validated and hashed as they stream in
 * (a producer thread), and every chunk of accepted cases is linked and written by this
 * thread (etl/load/chunk.c) while the next one is read. Memory holds two chunks, whatever the
 * file's size; rejects are written with the chunk they come with (etl/load/batch.c). */
#include "etl/load/loader.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/bom.h"
#include "common/clock.h"
#include "common/db.h"
#include "etl/load/batch.h"
#include "etl/load/chunk.h"
#include "common/copy.h"
#include "etl/load/csv_reader.h"
#include "etl/load/input.h"
#include "etl/load/linkage.h"

/* Reading, validating and hashing (the producer) overlap with the database work of the
 * previous chunk (this thread): two chunks, handed over under a mutex. */
struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk chunks[2], *fill; /* fill: the chunk the producer adds to */
	struct chunk *ready;	       /* filled, waiting for the database */
	struct chunk *in_flight;       /* being written */
	int done;		       /* the producer has handed over its last chunk */
	int failed;		       /* the database side failed: the producer stops */
};

/* A load: the batch and its pipeline, the producer's state and the progress line. */
struct load {
	struct batch b;
	struct pipeline pipe;
	struct wq_error *err;		/* the producer's error (the CSV reader's callback) */
	const char *read_error;		/* why the input failed (struct input's error) */
	struct batch_key_reader reader; /* hashes what is read: the key of what was loaded */
	/* Progress: total bytes (0 unknown), bytes read, last print. */
	int tty;
	long long total_bytes;
	const long long *read_bytes;
	double started, last_print;
};

/* ---- the pipeline ---- */

/* Hands the filled chunk to the database side and takes the other one, once that one has
 * been written. Returns -1 when the database side has failed. */
static int handoff(struct load *ld)
{
	struct pipeline *p = &ld->pipe;
	struct chunk *next = p->fill == &p->chunks[0] ? &p->chunks[1] : &p->chunks[0];
	pthread_mutex_lock(&p->mu);
	while (p->ready && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->failed)
		p->ready = p->fill;
	pthread_cond_broadcast(&p->cv);
	while (p->in_flight == next && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	int failed = p->failed;
	pthread_mutex_unlock(&p->mu);
	p->fill = next;
	return failed ? -1 : 0;
}

/* The database side: writes each chunk handed over until the producer is done. On a
 * failure it tells the producer to stop and returns -1 with e set. */
static int consume(struct load *ld, struct wq_error *e)
{
	struct pipeline *p = &ld->pipe;
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
		rc = chunk_write(&ld->b, c, e);
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

/* Records, records/s, rejects and ETA on stderr: a line redrawn twice a second on a
 * terminal; a plain line every 10 s otherwise (a pipe, a scheduler's log), and none for
 * a load that ends sooner. */
static void progress(struct load *ld, int final)
{
	double t = clock_now();
	if (!ld->tty && (final || t - ld->last_print < 10))
		return;
	if (ld->tty && !final && t - ld->last_print < 0.5)
		return;
	ld->last_print = t;
	const struct load_result *r = ld->b.r;
	double rate = r->records / (t - ld->started + 1e-9);
	char eta[32] = "";
	if (ld->total_bytes > 0 && *ld->read_bytes > 0 && !final) {
		double left = (t - ld->started) * (double)(ld->total_bytes - *ld->read_bytes) /
			      (double)*ld->read_bytes;
		snprintf(eta, sizeof eta, ", ETA %.0f s", left);
	}
	if (ld->tty)
		fprintf(stderr, "\r%ld records, %.0f/s, %ld rejected%s   %s", r->records, rate,
			r->rejected, eta, final ? "\n" : "");
	else
		fprintf(stderr, "load: %ld records, %.0f/s, %ld rejected%s\n", r->records, rate,
			r->rejected, eta);
	fflush(stderr);
}

/* ---- the producer: records in, chunks out ---- */

/* After a record: stops a batch that is mostly garbage (S3004), and hands the chunk over
 * when it is full or its rejects have grown past CHUNK_REJECT_BYTES. */
static int next_chunk(struct load *ld, struct wq_error *e)
{
	if (batch_check_limits(&ld->b, e) < 0)
		return -1;
	struct chunk *ch = ld->pipe.fill;
	if (ch->n_cases == CHUNK_CASES || ch->rejects.len > CHUNK_REJECT_BYTES)
		return handoff(ld);
	return 0;
}

static void reject(struct load *ld, long record_no, long line, const struct rec_errors *errs)
{
	batch_reject(&ld->b, &ld->pipe.fill->rejects, record_no, line, errs);
}

/* Validates one case object into the chunk, or rejects it; takes the reference to j.
 * pre: errors already found by the reader (or NULL). */
static int take_case(struct load *ld, json_t *j, const struct rec_errors *pre, long line,
		     struct wq_error *e)
{
	struct batch *b = &ld->b;
	struct rec_errors errs = {0};
	long record_no = b->r->records;
	if (!batch_wants(b, record_no)) { /* a retry: accepted the first time */
		json_decref(j);
		return 0;
	}
	if (pre && (pre->n || !j)) {
		json_decref(j);
		reject(ld, record_no, line, pre);
		return next_chunk(ld, e);
	}
	struct chunk *ch = ld->pipe.fill;
	struct case_rec *c = &ch->cases[ch->n_cases];
	c->line = line;
	c->record_no = record_no;
	int ok = rec_from_json(&b->ctx, j, c, &errs) == 0;
	json_decref(j);
	if (!ok) {
		reject(ld, record_no, line, &errs);
		return next_chunk(ld, e);
	}
	pthread_mutex_lock(&b->lock);
	b->r->accepted++;
	pthread_mutex_unlock(&b->lock);
	ch->n_cases++;
	if ((b->r->records & 1023) == 0)
		progress(ld, 0);
	return next_chunk(ld, e);
}

static int json_depth(const json_t *j)
{
	int d = 0;
	if (json_is_object(j)) {
		json_t *o = (json_t *)j;
		for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
			int c = json_depth(json_object_iter_value(it));
			d = c > d ? c : d;
		}
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

/* One NDJSON line: parsed and validated into the chunk, or rejected. */
static int take_line(struct load *ld, const char *line, size_t len, long lineno, struct wq_error *e)
{
	const struct wq_config *cfg = ld->b.cfg;
	struct rec_errors errs = {0};
	json_error_t jerr;
	long record_no = ++ld->b.r->records;
	if (!batch_wants(&ld->b, record_no))
		return 0;
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
		reject(ld, record_no, lineno, &errs);
		return next_chunk(ld, e);
	}
	if (json_depth(j) > cfg->max_json_depth) {
		rec_error_add(&errs, "E1005", "", "the record is nested deeper than %d levels",
			      cfg->max_json_depth);
		json_decref(j);
		reject(ld, record_no, lineno, &errs);
		return next_chunk(ld, e);
	}
	return take_case(ld, j, NULL, lineno, e);
}

/* A line over max_record_bytes: counted and rejected, never held whole in memory. */
static int take_long_line(struct load *ld, long lineno, struct wq_error *e)
{
	struct rec_errors errs = {0};
	long record_no = ++ld->b.r->records;
	if (!batch_wants(&ld->b, record_no))
		return 0;
	rec_error_add(&errs, "E1005", "", "the record is longer than %d bytes",
		      ld->b.cfg->max_record_bytes);
	reject(ld, record_no, lineno, &errs);
	return next_chunk(ld, e);
}

/* CSV: one assembled case (or the errors that kept it from forming). */
static int take_csv_case(void *ctx, json_t *j, const struct rec_errors *pre, long row)
{
	struct load *ld = ctx;
	ld->b.r->records++;
	return take_case(ld, j ? json_incref(j) : NULL, pre, row, ld->err);
}

static int blank(char c)
{
	return input_blank_line(&c, 1);
}

/* Whether the first line that is not blank says the file is JSON but not NDJSON: a JSON
 * array of objects (the line opens with "[" and then "{", or nothing more), or an object
 * spread over lines (pretty-printed: its first line ends open, with "{" or ","). Then
 * S3007 stops the load at once, before a single record is rejected for it. Nested arrays
 * (E1005 when too deep) and a first record cut short elsewhere are rejected alone, as any
 * other; one cut right after a "{" or "," reads as pretty-printed. A one-line array past
 * max_record_bytes is a too-long record (E1005), not told apart. 1 for a blank line (the
 * next one decides), 0 for NDJSON, -1 with e set. */
static int not_ndjson(const char *line, size_t n, struct wq_error *e)
{
	size_t i = 0;
	while (i < n && blank(line[i]))
		i++;
	while (n > i && blank(line[n - 1]))
		n--;
	if (i == n)
		return 1;
	const char *what = NULL;
	size_t k = i + 1; /* what follows an opening bracket: an object, or nothing yet */
	while (k < n && blank(line[k]))
		k++;
	if (i < n && line[i] == '[' && (k == n || line[k] == '{' || line[k] == ']'))
		what = "a JSON array";
	else if (i < n && line[i] == '{' && (line[n - 1] == '{' || line[n - 1] == ','))
		what = "one JSON value spread over several lines (pretty-printed)";
	if (!what)
		return 0;
	err_set(e, "S3007", "the file is not NDJSON: it is %s", what);
	err_detail(e, "NDJSON holds one case a line, each a whole JSON object.");
	err_hint(e, "Write one case per line (jq -c '.[]' FILE turns an array into NDJSON); "
		    "nothing was loaded.");
	return -1;
}

static int read_ndjson(struct load *ld, FILE *in, struct wq_error *e)
{
	struct line_reader lr;
	const char *line;
	size_t n;
	int too_long, got, rc = 0, first = 1;
	long lineno = 0;
	line_reader_init(&lr, in, (size_t)ld->b.cfg->max_record_bytes);
	while ((got = line_reader_next(&lr, &line, &n, &too_long)) > 0) {
		lineno++;
		if (lineno == 1) {
			size_t bom = bom_length(line, n);
			line += bom;
			n -= bom;
		}
		if (first && !too_long) {
			int is = not_ndjson(line, n, e);
			first = is > 0; /* a blank line: the next one tells */
			if (is < 0) {
				rc = -1;
				break;
			}
		}
		if (too_long)
			rc = take_long_line(ld, lineno, e);
		else if (!input_blank_line(line, n)) /* blank lines are allowed in NDJSON files */
			rc = take_line(ld, line, n, lineno, e);
		if (rc < 0)
			break;
	}
	line_reader_free(&lr);
	/* A read error is an error, never the end of the batch. */
	if (got < 0 && rc == 0)
		rc = err_set(e, "S3001", "could not read the input: %s",
			     ld->read_error && ld->read_error[0] ? ld->read_error : "read error");
	return rc;
}

struct producer {
	struct load *ld;
	FILE *in;
	struct wq_error err;
	int rc;
};

/* The producer thread: reads the input, validates and hashes every record into chunks,
 * and hands them over; its errors are its own (e.g. a CSV that is not well-formed). */
static void *produce(void *arg)
{
	struct producer *p = arg;
	struct load *ld = p->ld;
	ld->err = &p->err;
	p->rc = ld->b.csv ? csv_read_cases(p->in, take_csv_case, ld, &p->err)
			  : read_ndjson(ld, p->in, &p->err);
	/* The last, partial chunk; then tell the database side that nothing more comes. */
	struct chunk *last = ld->pipe.fill;
	if (p->rc == 0 && (last->n_cases || last->rejects.len) && handoff(ld) < 0)
		p->rc = -1;
	pthread_mutex_lock(&ld->pipe.mu);
	ld->pipe.done = 1;
	pthread_cond_broadcast(&ld->pipe.cv);
	pthread_mutex_unlock(&ld->pipe.mu);
	return NULL;
}

/* ---- the steps of a load ---- */

/* Begins the transaction and reads the storage-key version under a share lock. */
static int begin(struct load *ld, struct wq_error *e)
{
	if (db_run(ld->b.conn, e, "BEGIN", 0, NULL) < 0)
		return -1;
	PGresult *res = db_exec(
	    ld->b.conn, e, "SELECT storage_version FROM warehouse.key_state FOR SHARE", 0, NULL);
	if (!res)
		return -1;
	ld->b.ctx.key_version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	/* Keys the producer derives lazily are derived now, before it runs (and before the
	 * spool's older versions are brought forward). */
	for (int v = 1; v <= ld->b.ctx.key_version; v++)
		keys_store(ld->b.keys, v);
	return 0;
}

/* The linkage lock, for the load's whole transaction. What the intake answered before it
 * was had, spooled while an earlier load held it, is linked once the batch is prepared
 * (link_first), before this load's cases. */
static int linkage_lock(struct load *ld, struct wq_error *e)
{
	const char *lock[] = {LINKAGE_LOCK_KEY};
	return db_run(ld->b.conn, e, "SELECT pg_advisory_xact_lock($1::bigint)", 1, lock);
}

/* The intake's spooled submissions, linked before this load's cases (load_options
 * first): they were received before it, and a load's cases count as received when it has
 * the linkage lock (read by a statement after the lock's, whose snapshot holds everything
 * spooled before it). What the intake spools while this load runs is received after it
 * and linked after it. Before, a load left the lock to the intake for up to 30 s and then
 * went first, and an older submission the intake linked afterwards replaced this load's
 * version of its case. */
static int link_first(struct load *ld, struct wq_error *e)
{
	struct batch *b = &ld->b;
	if (!b->opt->first)
		return 0;
	long linked = b->opt->first(b->conn, b->cfg, b->ctx.lists, b->keys, b->ctx.key_version,
				    &b->staged, e);
	if (linked < 0)
		return -1;
	b->r->spool_linked = linked;
	return 0;
}

/* What is known of this batch before reading it: found with no rejects (already
 * loaded: 1), found with rejects (a retry: 2), or new (0); -1 on error. A regular file's
 * key is checked before and again after waiting for the linkage lock (a concurrent load
 * of the same file may have just committed), so an already loaded file costs one hash and
 * two queries. Stdin's key is known only at its end. */
static int lookup(struct load *ld, const char *path, uint8_t key[TOKEN_BYTES], struct wq_error *e)
{
	struct batch *b = &ld->b;
	int from_stdin = strcmp(path, "-") == 0;
	uint8_t stored[TOKEN_BYTES] = {0};
	long long id = 0;
	long rejected = 0;
	if (!from_stdin) {
		if (batch_key_of_file(b->keys, path, key, e) < 0)
			return -1;
		pseudo_tier2(b->keys, b->ctx.key_version, key, stored);
	}
	int found = from_stdin ? 0 : batch_find(b->conn, stored, &id, &rejected, e);
	if (found < 0 || linkage_lock(ld, e) < 0)
		return -1;
	found = from_stdin ? 0 : batch_find(b->conn, stored, &id, &rejected, e);
	if (found <= 0)
		return found;
	b->id = id;
	return rejected ? 2 : 1;
}

/* A new batch row under a placeholder key, replaced by the real one at the end. Random,
 * so two concurrent loads never collide on it. */
static int create(struct load *ld, struct wq_error *e)
{
	uint8_t placeholder[TOKEN_BYTES];
	struct strbuf sb;
	char ver[8];
	randombytes_buf(placeholder, sizeof placeholder);
	sb_init(&sb);
	sb_hex(&sb, PARAM_BYTEA, placeholder, TOKEN_BYTES);
	snprintf(ver, sizeof ver, "%d", ld->b.ctx.key_version);
	const char *params[] = {sb.data, ver};
	PGresult *res = db_exec(ld->b.conn, e,
				"INSERT INTO warehouse.batch (batch_key, key_version, source) "
				"VALUES ($1::bytea, $2, 'file') RETURNING batch_id",
				2, params);
	sb_free(&sb);
	if (!res)
		return -1;
	ld->b.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* Reads the whole input through the pipeline; every byte read is hashed on the way into
 * `loaded`, the key of what was loaded. */
static int run(struct load *ld, struct input *in, const char *path, uint8_t loaded[TOKEN_BYTES],
	       struct wq_error *e)
{
	struct batch *b = &ld->b;
	struct batch_key_reader *hr = &ld->reader;
	FILE *hashed = batch_key_reader_open(hr, in->f, b->keys);
	if (!hashed)
		return err_set(e, "S3001", "could not read \"%s\"", path);
	size_t name = input_name_length(path);
	b->csv = b->opt->format == FORMAT_CSV || (b->opt->format == FORMAT_AUTO && name > 4 &&
						  strncmp(path + name - 4, ".csv", 4) == 0);
	ld->tty = isatty(STDERR_FILENO);
	ld->read_bytes = &hr->bytes;
	ld->started = ld->last_print = clock_now();
	ld->read_error = in->error;
	/* The ETA compares the bytes read with the file's size, which gzip's are not. */
	if (!in->compressed)
		ld->total_bytes = in->size;
	struct producer prod = {.ld = ld, .in = hashed};
	err_clear(&prod.err);
	pthread_t thread;
	int rc = -1;
	if (pthread_create(&thread, NULL, produce, &prod) != 0) {
		err_set(e, "S3001", "could not start the reader thread");
		goto out;
	}
	int db_rc = consume(ld, e);
	pthread_join(thread, NULL);
	if (db_rc < 0)
		goto out;
	if (prod.rc < 0) {
		*e = prod.err;
		goto out;
	}
	if (ferror(hashed) || hr->failed) {
		err_set(e, "S3001", "could not read \"%s\": %s", path,
			in->error[0] ? in->error : strerror(errno));
		goto out;
	}
	progress(ld, 1);
	batch_key_reader_final(hr, loaded);
	rc = 0;
out:
	fclose(hashed);
	return rc;
}

/* Stores the batch's counts (and, for a new batch, its real key). 1 when the same input
 * was committed meanwhile by another load (the key is unique), 0, or -1 with e set. */
static int finish(struct load *ld, int retry, uint8_t key[TOKEN_BYTES], struct wq_error *e)
{
	struct batch *b = &ld->b;
	char counts[3][24];
	snprintf(counts[0], 24, "%ld", b->r->records);
	snprintf(counts[1], 24, "%ld", b->r->accepted);
	snprintf(counts[2], 24, "%ld", b->r->rejected);
	if (retry) {
		/* The same batch: its key stays; the records accepted now join its count. */
		const char *params[] = {b->id_text, counts[1], counts[2]};
		return db_run(b->conn, e,
			      "UPDATE warehouse.batch SET accepted = accepted + $2, rejected = $3 "
			      "WHERE batch_id = $1",
			      3, params);
	}
	struct strbuf sb;
	pseudo_tier2(b->keys, b->ctx.key_version, key, key);
	sb_init(&sb);
	sb_hex(&sb, PARAM_BYTEA, key, TOKEN_BYTES);
	const char *params[] = {sb.data, counts[0], counts[1], counts[2], b->id_text};
	PGresult *res =
	    PQexecParams(b->conn,
			 "UPDATE warehouse.batch SET batch_key = $1::bytea, records = $2, "
			 "accepted = $3, rejected = $4 WHERE batch_id = $5",
			 5, NULL, params, NULL, NULL, 0);
	sb_free(&sb);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int rc = 0;
	if (state && strcmp(state, "23505") == 0)
		rc = 1;
	else if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = db_error(b->conn, res, "S2002", e);
	PQclear(res);
	return rc;
}

int loader_run(PGconn *conn, const struct wq_config *cfg, const struct codelists *lists,
	       struct keys *keys, const char *path, const struct load_options *opt,
	       struct load_result *r, struct wq_error *e)
{
	struct load ld = {.b = {.conn = conn, .cfg = cfg, .keys = keys, .opt = opt, .r = r}};
	struct batch *b = &ld.b;
	uint8_t key[TOKEN_BYTES] = {0}, loaded[TOKEN_BYTES];
	struct input *in = NULL;
	int rc = -1, in_tx = 0, known = 0;

	memset(r, 0, sizeof *r);
	for (int i = 0; i < 2; i++)
		chunk_init(&ld.pipe.chunks[i]);
	ld.pipe.fill = &ld.pipe.chunks[0];
	pthread_mutex_init(&ld.pipe.mu, NULL);
	pthread_cond_init(&ld.pipe.cv, NULL);
	pthread_mutex_init(&b->lock, NULL);
	b->ctx = (struct rec_context){lists, keys, 1, cfg->default_id_country, cfg->max_json_depth};

	if (!(in = input_open(path, e)))
		goto out;
	in_tx = 1;
	if (begin(&ld, e) < 0 || (known = lookup(&ld, path, key, e)) < 0)
		goto out;
	if (known == 1) {
		r->already_loaded = 1;
		rc = 0;
		goto out;
	}
	if (chunk_prepare(b, e) < 0 || link_first(&ld, e) < 0 || (known == 0 && create(&ld, e) < 0))
		goto out;
	snprintf(b->id_text, sizeof b->id_text, "%lld", b->id);
	r->batch_id = b->id;
	/* Loaded before with rejects: only those records are processed again, so that fixing
	 * their cause (a code list, a rule) and loading the file again is enough. */
	if (known == 2 && batch_retry_prepare(b, e) < 0)
		goto out;
	if (run(&ld, in, path, loaded, e) < 0)
		goto out;
	/* The bytes loaded must be the bytes the batch key was made from: a file cut short or
	 * grown while it was read is refused, never committed in part. */
	if (strcmp(path, "-") != 0 && sodium_memcmp(loaded, key, TOKEN_BYTES) != 0) {
		err_set(e, "S3005", "\"%s\" changed while it was being loaded; nothing was loaded",
			path);
		err_hint(e, "Load a file once it is complete (copy it, then load the copy).");
		goto out;
	}
	if (opt->atomic && r->rejected) {
		rc = 1;
		goto out;
	}
	/* Duplicates found by the last chunk may have passed the limits too. */
	if (batch_check_limits(b, e) < 0)
		goto out;
	/* A retry whose records are all rejected again changes nothing (the rollback keeps
	 * their reject rows); so does a batch another load committed meanwhile. */
	int raced = 0;
	if ((known == 2 && r->accepted == 0) || (raced = finish(&ld, known == 2, loaded, e)) != 0) {
		if (raced < 0)
			goto out;
		r->already_loaded = 1;
		rc = 0;
		goto out;
	}
	if (db_run(conn, e, "COMMIT", 0, NULL) < 0)
		goto out;
	in_tx = 0;
	rc = 0;
out:
	if (in_tx)
		PQclear(PQexec(conn, "ROLLBACK"));
	if (r->already_loaded) {
		r->records = r->accepted = 0; /* rejected: those of a retry, rejected again */
		r->spool_linked = r->interventions_dropped = 0;
		r->cases_new = r->cases_replaced = 0;
		r->victims_new = r->offenders_new = r->offenders_unlinkable = r->merges = 0;
	}
	for (int k = 0; k < 2; k++)
		chunk_free(&ld.pipe.chunks[k]);
	pthread_mutex_destroy(&ld.pipe.mu);
	pthread_cond_destroy(&ld.pipe.cv);
	pthread_mutex_destroy(&b->lock);
	free(b->retry);
	input_close(in);
	return rc;
}
