/* Loading one data version into columns (see columns.h). Each part (a connection and a
 * thread) streams its rows of every fact with COPY ... TO STDOUT in PostgreSQL's text
 * format, coding each value through dictionaries of its own into wide columns (2 bytes a
 * single value, 8 a bitset); the parts are then merged into the narrowest columns their
 * union of dictionaries allows. Text COPY is parsed here, not through a general CSV
 * reader: the values are our own codes, years, booleans and integers, and one malformed
 * line fails the load (S6001), it is never skipped. */
#include "server/columns.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/shares.h"

#define SINGLE_MAX 65535 /* codes of a single-valued column while loading: 2 bytes */
#define MULTI_MAX  64	 /* items of a multi-valued column: a 64-bit set */

/* ---- dictionaries: value -> code, by open addressing ---- */

struct dict {
	char **v;
	uint32_t *len; /* each value's length: compared before its bytes */
	size_t n, cap;
	uint32_t *slots; /* code, or 0 for empty; nslots a power of two */
	size_t nslots;
};

static uint32_t hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static void dict_rehash(struct dict *d)
{
	d->nslots = d->nslots ? d->nslots * 2 : 64;
	free(d->slots);
	d->slots = xcalloc(d->nslots, sizeof *d->slots);
	for (size_t k = 0; k < d->n; k++) {
		size_t i = hash(d->v[k], d->len[k]) & (d->nslots - 1);
		while (d->slots[i])
			i = (i + 1) & (d->nslots - 1);
		d->slots[i] = (uint32_t)(k + 1);
	}
}

/* The code (1..) of s[0..len), added when new; 0 past max entries. */
static uint32_t dict_code(struct dict *d, const char *s, size_t len, size_t max)
{
	if (!d->nslots)
		dict_rehash(d);
	size_t i = hash(s, len) & (d->nslots - 1);
	for (; d->slots[i]; i = (i + 1) & (d->nslots - 1)) {
		uint32_t k = d->slots[i] - 1;
		if (d->len[k] == len && memcmp(d->v[k], s, len) == 0)
			return d->slots[i];
	}
	if (d->n == max)
		return 0;
	size_t cap = d->cap;
	xgrow((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v);
	if (d->cap != cap)
		d->len = xrealloc(d->len, d->cap * sizeof *d->len);
	d->len[d->n] = (uint32_t)len;
	d->v[d->n++] = xstrndup(s, len);
	d->slots[i] = (uint32_t)d->n;
	if (d->n * 2 > d->nslots)
		dict_rehash(d);
	return (uint32_t)d->n;
}

static void dict_free(struct dict *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
	free(d->len);
	free(d->slots);
}

/* ---- one part's rows of one fact, wide ---- */

struct wide {
	const struct fact *fact;
	const struct dimension *dims[COLUMNS_MAX_DIMS];
	int ndims;
	size_t rows, cap;
	void *codes[COLUMNS_MAX_DIMS]; /* uint16_t a single value, uint64_t a bitset */
	struct dict dicts[COLUMNS_MAX_DIMS];
	int npreds;
	uint64_t *flags;
	uint32_t *keys;
};

struct part {
	const struct wq_config *cfg;
	const char *snapshot;		      /* NULL: this part's connection exports it */
	const char *where[COLUMNS_MAX_FACTS]; /* per fact, the condition of this part's rows */
	PGconn *conn;
	struct wide facts[COLUMNS_MAX_FACTS];
	int nfacts;
	struct wq_error e;
	int failed;
};

static void wide_grow(struct wide *w)
{
	size_t cap = w->cap ? w->cap * 2 : 65536;
	for (int i = 0; i < w->ndims; i++)
		w->codes[i] = xrealloc(w->codes[i], cap * (w->dims[i]->multi ? 8 : 2));
	w->flags = xrealloc(w->flags, cap * sizeof *w->flags);
	w->keys = xrealloc(w->keys, cap * sizeof *w->keys);
	w->cap = cap;
}

static void wide_free(struct wide *w)
{
	for (int i = 0; i < w->ndims; i++) {
		free(w->codes[i]);
		dict_free(&w->dicts[i]);
	}
	free(w->flags);
	free(w->keys);
}

/* The COPY of fact f's rows where `where` holds: its dimensions' columns in f->dims'
 * order, the record key, and the row's flags word, which PostgreSQL sums from each
 * predicate in its own three-valued logic: bit 2i when predicate i is true, 2i+1 when it
 * is false, neither when null. One integer, not a boolean column a predicate: the victim-
 * years' seven booleans cost PostgreSQL 0.15 s more of output at 1.44 million rows
 * (2.79-2.88 s against 2.64-2.66, 2026-12-07), and the parts as many fields more to read. */
static void copy_sql(const struct fact *f, const struct predicate *const *preds, int npreds,
		     const char *where, struct strbuf *sql)
{
	sb_reset(sql);
	sb_puts(sql, "COPY (SELECT ");
	for (const char *const *n = f->dims; *n; n++) {
		const struct dimension *d = model_dimension(*n);
		sb_printf(sql, "v.%s, ", d->multi ? d->multi : d->name);
	}
	sb_puts(sql, "v.record_key, 0::bigint");
	for (int i = 0; i < npreds; i++)
		sb_printf(sql, " + CASE (%s) WHEN true THEN %llu WHEN false THEN %llu ELSE 0 END",
			  preds[i]->sql, 1ull << (2 * i), 1ull << (2 * i + 1));
	sb_printf(sql, " FROM %s v WHERE %s) TO STDOUT", f->table, where);
}

/* The predicates of f, in the model's order: how many the model has (the first
 * COLUMNS_MAX_PREDS of them in out). */
static int fact_preds(const struct fact *f, const struct predicate **out)
{
	int n = 0;
	for (size_t i = 0; model_predicate_at(i); i++)
		if (strcmp(model_predicate_at(i)->fact, f->name) == 0 && n++ < COLUMNS_MAX_PREDS)
			out[n - 1] = model_predicate_at(i);
	return n;
}

/* Undoes COPY's backslash escapes in s[0..len) into buf; the new length. */
static size_t unescape(const char *s, size_t len, char *buf)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < len) {
			c = s[++i];
			c = c == 't'   ? '\t'
			    : c == 'n' ? '\n'
			    : c == 'r' ? '\r'
			    : c == 'b' ? '\b'
			    : c == 'f' ? '\f'
			    : c == 'v' ? '\v'
				       : c;
		}
		buf[o++] = c;
	}
	return o;
}

/* The bitset of an array's text ("{a,b}"; items are codes, quoted when they must be). */
static int parse_array(struct dict *d, const char *s, size_t len, uint64_t *mask)
{
	*mask = 0;
	if (len < 2 || s[0] != '{' || s[len - 1] != '}')
		return -1;
	size_t i = 1;
	while (i < len - 1) {
		char item[256];
		size_t n = 0;
		int quoted = s[i] == '"';
		if (quoted) {
			for (i++; i < len - 1 && s[i] != '"'; i++) {
				if (s[i] == '\\')
					i++;
				if (n < sizeof item)
					item[n++] = s[i];
			}
			i++; /* the closing quote */
		} else {
			for (; i < len - 1 && s[i] != ','; i++) {
				/* A nested array or a stray quote: items unnest would read apart.
				 */
				if (s[i] == '{' || s[i] == '}' || s[i] == '"')
					return -1;
				if (n < sizeof item)
					item[n++] = s[i];
			}
		}
		/* An unquoted NULL is a null item (unnest would give a null group): the codes
		 * of our arrays have none, and the columns cannot hold one. */
		if (n == 0 || n == sizeof item || (!quoted && n == 4 && !memcmp(item, "NULL", 4)))
			return -1;
		uint32_t code = dict_code(d, item, n, MULTI_MAX);
		if (!code || (*mask >> (code - 1) & 1))
			return -1; /* too many items, or one twice (unnest would count it twice) */
		*mask |= 1ull << (code - 1);
		if (i < len - 1 && s[i++] != ',')
			return -1;
	}
	return 0;
}

/* A bigint's text (an optional minus, digits) as its 64 bits, two's complement. */
static int digits(const char *s, size_t n, uint64_t *out)
{
	size_t i = n && s[0] == '-';
	uint64_t v = 0;
	if (i == n || n - i > 19)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = s[0] == '-' ? (uint64_t)0 - v : v;
	return 0;
}

/* One COPY line into row w->rows. */
static int parse_line(struct wide *w, char *line, size_t len)
{
	char buf[1024];
	size_t at = 0;
	if (w->rows == w->cap)
		wide_grow(w);
	size_t r = w->rows;
	int fields = w->ndims + 2;
	for (int f = 0; f < fields; f++) {
		const char *s = line + at;
		const char *tab = memchr(s, '\t', len - at);
		size_t n = tab ? (size_t)(tab - s) : len - at;
		if ((f < fields - 1) != (tab != NULL))
			return -1; /* too few or too many fields */
		at += n + 1;
		/* COPY's null is \N as sent; a value is unescaped after (text "\\N" is no null). */
		int null = n == 2 && s[0] == '\\' && s[1] == 'N';
		if (!null && memchr(s, '\\', n)) {
			if (n > sizeof buf)
				return -1;
			n = unescape(s, n, buf);
			s = buf;
		}
		if (f == w->ndims) { /* the record key, kept mod 2^32 as SQL's sums are */
			uint64_t key;
			if (null || digits(s, n, &key) < 0)
				return -1;
			w->keys[r] = (uint32_t)key;
			continue;
		}
		if (f > w->ndims) { /* the flags: bits of the predicates only */
			uint64_t flags;
			if (null || digits(s, n, &flags) < 0 || flags >> (2 * w->npreds))
				return -1;
			w->flags[r] = flags;
			continue;
		}
		const struct dimension *d = w->dims[f];
		if (d->multi) {
			uint64_t mask = 0;
			if (!null && parse_array(&w->dicts[f], s, n, &mask) < 0)
				return -1;
			((uint64_t *)w->codes[f])[r] = mask;
			continue;
		}
		uint32_t code = 0;
		if (!null) {
			/* A boolean as the layout spells it. */
			if (d->kind == DIM_BOOL && n == 1)
				s = s[0] == 't' ? "true" : "false", n = strlen(s);
			if (!(code = dict_code(&w->dicts[f], s, n, SINGLE_MAX)))
				return -1;
		}
		((uint16_t *)w->codes[f])[r] = (uint16_t)code;
	}
	w->rows++;
	return 0;
}

static int fail(struct part *p, const char *code, const char *what, const struct fact *f)
{
	err_set(&p->e, code, "the column engine could not load %s", f ? f->table : "its data");
	err_detail(&p->e, "%s", what);
	p->failed = 1;
	return -1;
}

/* Streams fact f into w. */
static int read_fact(struct part *p, struct wide *w, const struct fact *f, const char *where)
{
	const struct predicate *preds[COLUMNS_MAX_PREDS];
	int npreds = fact_preds(f, preds), ndims = 0;
	for (const char *const *n = f->dims; *n; n++)
		ndims++;
	/* A model grown past the columns is not loaded short of it (its answers would then
	 * fail): the SQL path answers, and the log says why. */
	if (npreds > COLUMNS_MAX_PREDS || ndims > COLUMNS_MAX_DIMS)
		return fail(p, "S6001",
			    "The model has more predicates or dimensions than the columns hold "
			    "(columns.h).",
			    f);
	struct strbuf sql;
	w->fact = f;
	w->npreds = npreds;
	for (const char *const *n = f->dims; *n; n++)
		w->dims[w->ndims++] = model_dimension(*n);
	sb_init(&sql);
	copy_sql(f, preds, npreds, where, &sql);
	PGresult *r = PQexec(p->conn, sql.data);
	sb_free(&sql);
	if (PQresultStatus(r) != PGRES_COPY_OUT) {
		db_error(p->conn, r, "S2002", &p->e);
		PQclear(r);
		p->failed = 1;
		return -1;
	}
	PQclear(r);
	char *line;
	int len, bad = 0;
	while ((len = PQgetCopyData(p->conn, &line, 0)) > 0) {
		if (!bad &&
		    (len < 1 || line[len - 1] != '\n' || parse_line(w, line, (size_t)len - 1) < 0))
			bad = 1; /* read on to the end, so that the connection stays usable */
		PQfreemem(line);
	}
	r = PQgetResult(p->conn);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		db_error(p->conn, r, "S2002", &p->e);
	PQclear(r);
	while ((r = PQgetResult(p->conn)))
		PQclear(r);
	if (!ok) {
		p->failed = 1;
		return -1;
	}
	if (bad)
		return fail(p, "S6001",
			    "A row has a value the columns cannot hold: more distinct values "
			    "than a column's dictionary allows, an item twice in one array, or "
			    "a line that is not the COPY's.",
			    f);
	return 0;
}

static int begin(struct part *p)
{
	/* A lock waited for at most 5 s: a part waits for the others in C, where PostgreSQL
	 * cannot see it, so a refresh queued for a fact's exclusive lock behind the first
	 * part's share, with a later part queued behind the refresh, would hang all three.
	 * The load fails instead and is tried again (engine.c). */
	static const char begin_sql[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
			  timeout_sql[] = "SET LOCAL lock_timeout = '5s'";
	if (db_run(p->conn, &p->e, begin_sql, 0, NULL) < 0 ||
	    db_run(p->conn, &p->e, timeout_sql, 0, NULL) < 0)
		return -1;
	if (!p->snapshot)
		return 0;
	/* SET TRANSACTION SNAPSHOT takes no parameter; the id is PostgreSQL's own
	 * (hexadecimal digits and dashes), checked all the same. */
	if (strspn(p->snapshot, "0123456789ABCDEFabcdef-") != strlen(p->snapshot))
		return fail(p, "S6001", "The exported snapshot's id is not one.", NULL);
	char sql[128];
	snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT '%s'", p->snapshot);
	return db_run(p->conn, &p->e, sql, 0, NULL);
}

int columns_hold_refresh(PGconn *conn, int *held, struct wq_error *e)
{
	PGresult *r = db_exec(conn, e, "SELECT analytics.hold_refresh()", 0, NULL);
	if (!r)
		return -1;
	*held = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return 0;
}

void columns_release_refresh(PGconn *conn, int *held)
{
	/* A session lock (an xact one would come after the snapshot); the reader's session
	 * holds no other. */
	if (*held)
		PQclear(PQexec(conn, "SELECT pg_advisory_unlock_all()"));
	*held = 0;
}

/* Reads every fact of the model in this part's share. */
static int read_part(struct part *p)
{
	for (size_t i = 0; model_fact_at(i) && i < COLUMNS_MAX_FACTS; i++) {
		p->nfacts++;
		if (read_fact(p, &p->facts[i], model_fact_at(i), p->where[i]) < 0)
			return -1;
	}
	return 0;
}

static void *part_thread(void *arg)
{
	struct part *p = arg;
	p->conn = db_connect(p->cfg, p->cfg->db_reader_user, &p->e);
	if (!p->conn || begin(p) < 0 || read_part(p) < 0)
		p->failed = 1;
	if (p->conn)
		PQfinish(p->conn);
	return NULL;
}

/* The files of the analytics tables now, into out: 0, or -1 with e set. A TRUNCATE,
 * which a rebuild makes, gives a table a new file, and is not MVCC-safe: a snapshot taken
 * before it commits reads the table empty. pg_relation_filenode reads the catalogue as it
 * is, not as the snapshot shows it. */
static int files_now(PGconn *conn, struct strbuf *out, struct wq_error *e)
{
	PGresult *r =
	    db_exec(conn, e,
		    "SELECT string_agg(c.oid || ':' || pg_relation_filenode(c.oid), ',' "
		    "ORDER BY c.oid) FROM pg_class c "
		    "WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind = 'r'",
		    0, NULL);
	if (!r)
		return -1;
	sb_reset(out);
	sb_puts(out, PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* ---- merging the parts into narrow columns ---- */

static unsigned width_for(uint64_t max_value)
{
	return max_value <= UINT8_MAX	 ? 1
	       : max_value <= UINT16_MAX ? 2
	       : max_value <= UINT32_MAX ? 4
					 : 8;
}

static void put(struct column *c, size_t r, uint64_t v)
{
	switch (c->width) {
	case 1:
		((uint8_t *)c->data)[r] = (uint8_t)v;
		break;
	case 2:
		((uint16_t *)c->data)[r] = (uint16_t)v;
		break;
	case 4:
		((uint32_t *)c->data)[r] = (uint32_t)v;
		break;
	default:
		((uint64_t *)c->data)[r] = v;
	}
}

/* Column i of fact k from every part. */
static int merge_column(struct part *parts, int nparts, int k, int i, size_t rows,
			struct column *out)
{
	const struct dimension *d = parts[0].facts[k].dims[i];
	struct dict all = {0};
	uint32_t *map[SHARES_MAX_PARTS];
	out->dim = d;
	for (int p = 0; p < nparts; p++) {
		const struct dict *local = &parts[p].facts[k].dicts[i];
		map[p] = xcalloc(local->n + 1, sizeof *map[p]);
		for (size_t c = 0; c < local->n; c++)
			map[p][c + 1] = dict_code(&all, local->v[c], local->len[c],
						  d->multi ? MULTI_MAX : SINGLE_MAX);
	}
	int ok = 1;
	for (int p = 0; p < nparts; p++)
		for (size_t c = 1; c <= parts[p].facts[k].dicts[i].n; c++)
			ok &= map[p][c] != 0;
	out->width =
	    d->multi ? width_for(all.n < 64 ? (1ull << all.n) - 1 : UINT64_MAX) : width_for(all.n);
	out->data = xcalloc(rows ? rows : 1, out->width);
	size_t r = 0;
	for (int p = 0; p < nparts && ok; p++) {
		const struct wide *w = &parts[p].facts[k];
		for (size_t j = 0; j < w->rows; j++, r++) {
			uint64_t v;
			if (d->multi) {
				uint64_t local = ((const uint64_t *)w->codes[i])[j];
				v = 0;
				for (; local; local &= local - 1)
					v |= 1ull << (map[p][__builtin_ctzll(local) + 1] - 1);
			} else {
				v = map[p][((const uint16_t *)w->codes[i])[j]];
			}
			put(out, r, v);
		}
	}
	for (int p = 0; p < nparts; p++)
		free(map[p]);
	out->dict = all.v;
	out->ndict = all.n;
	free(all.len);
	free(all.slots);
	return ok ? 0 : -1;
}

static int merge(struct part *parts, int nparts, struct columns *c, struct wq_error *e)
{
	c->nfacts = parts[0].nfacts;
	for (int k = 0; k < c->nfacts; k++) {
		struct fact_columns *fc = &c->facts[k];
		const struct wide *w0 = &parts[0].facts[k];
		fc->fact = w0->fact;
		fc->npreds = fact_preds(fc->fact, fc->preds);
		for (int p = 0; p < nparts; p++)
			fc->rows += parts[p].facts[k].rows;
		fc->ndims = w0->ndims;
		for (int i = 0; i < fc->ndims; i++) {
			if (merge_column(parts, nparts, k, i, fc->rows, &fc->dims[i]) < 0) {
				err_set(e, "S6001", "the column engine could not load %s",
					fc->fact->table);
				err_detail(e,
					   "Dimension %s has more distinct values than a column "
					   "allows.",
					   w0->dims[i]->name);
				return -1;
			}
			c->bytes += fc->rows * fc->dims[i].width;
			for (size_t v = 0; v < fc->dims[i].ndict; v++)
				c->bytes += strlen(fc->dims[i].dict[v]) + 1 + sizeof(char *);
		}
		fc->flags.width = width_for(fc->npreds ? (1ull << (2 * fc->npreds)) - 1 : 0);
		fc->flags.data = xcalloc(fc->rows ? fc->rows : 1, fc->flags.width);
		fc->keys = xmalloc((fc->rows ? fc->rows : 1) * sizeof *fc->keys);
		size_t r = 0;
		for (int p = 0; p < nparts; p++) {
			const struct wide *w = &parts[p].facts[k];
			memcpy(fc->keys + r, w->keys, w->rows * sizeof *w->keys);
			for (size_t j = 0; j < w->rows; j++)
				put(&fc->flags, r + j, w->flags[j]);
			r += w->rows;
		}
		c->bytes += fc->rows * (fc->flags.width + sizeof *fc->keys);
	}
	return 0;
}

struct columns *columns_load(const struct wq_config *cfg, int parts, struct wq_error *e)
{
	struct part p[SHARES_MAX_PARTS];
	pthread_t threads[SHARES_MAX_PARTS];
	int started = 0;
	double t0 = clock_now();
	if (parts < 1)
		parts = 1;
	if (parts > SHARES_MAX_PARTS)
		parts = SHARES_MAX_PARTS;
	memset(p, 0, sizeof p);
	struct strbuf where[COLUMNS_MAX_FACTS][SHARES_MAX_PARTS];
	for (int k = 0; k < COLUMNS_MAX_FACTS; k++)
		for (int i = 0; i < parts; i++) {
			sb_init(&where[k][i]);
			p[i].where[k] = ""; /* set by shares_plan before any part reads */
		}
	for (int i = 0; i < parts; i++)
		p[i].cfg = cfg;
	struct columns *c = xcalloc(1, sizeof *c);
	struct strbuf files, after; /* the tables' files before and after (files_now) */
	sb_init(&files);
	sb_init(&after);
	/* The first part's connection takes the snapshot and the version, and exports the
	 * snapshot for the others while its transaction stays open. */
	char snapshot[64] = "";
	p[0].conn = db_connect(cfg, cfg->db_reader_user, &p[0].e);
	PGresult *r = NULL;
	/* With years on other servers, no refresh commits until every part has read them:
	 * the nodes' snapshots, taken as each part first reads them, then show the version
	 * the exported one shows. */
	int held = 0;
	if (p[0].conn && columns_hold_refresh(p[0].conn, &held, &p[0].e) < 0) {
		p[0].failed = 1;
		goto out;
	}
	/* The files before the snapshot (outside its transaction, whose first statement would
	 * take it): a TRUNCATE committed between the two would otherwise go unseen. */
	if (p[0].conn && files_now(p[0].conn, &files, &p[0].e) == 0 && begin(&p[0]) == 0)
		r = db_exec(p[0].conn, &p[0].e,
			    "SELECT pg_export_snapshot(), " COLUMNS_VERSION_SQL
			    " FROM analytics.data_version",
			    0, NULL);
	if (!r || PQntuples(r) != 1) {
		if (r)
			err_set(&p[0].e, "S6001", "analytics.data_version has no row");
		PQclear(r);
		p[0].failed = 1;
		goto out;
	}
	snprintf(snapshot, sizeof snapshot, "%s", PQgetvalue(r, 0, 0));
	c->version = atoll(PQgetvalue(r, 0, 1));
	c->first = atoi(PQgetvalue(r, 0, 2));
	c->last = atoi(PQgetvalue(r, 0, 3));
	c->item_cap = atoi(PQgetvalue(r, 0, 4));
	c->last_month = atoi(PQgetvalue(r, 0, 5));
	PQclear(r);
	for (size_t k = 0; model_fact_at(k) && k < COLUMNS_MAX_FACTS; k++) {
		int by_years = shares_plan(p[0].conn, model_fact_at(k), parts, where[k], &p[0].e);
		if (by_years < 0) {
			p[0].failed = 1;
			goto out;
		}
		c->facts_by_years += by_years;
		for (int i = 0; i < parts; i++)
			p[i].where[k] = where[k][i].data;
	}
	for (int i = 1; i < parts; i++) {
		p[i].snapshot = snapshot;
		if (pthread_create(&threads[i], NULL, part_thread, &p[i]) != 0) {
			p[i].failed = 1;
			err_set(&p[i].e, "S6001", "the column engine could not start a thread");
			break;
		}
		started = i;
	}
	read_part(&p[0]);
	for (int i = 1; i <= started; i++)
		pthread_join(threads[i], NULL);
	/* A table truncated since the snapshot (a rebuild committed meanwhile) was read empty:
	 * the load is tried again, at the rebuild's version. */
	if (!p[0].failed && files_now(p[0].conn, &after, &p[0].e) < 0) {
		p[0].failed = 1;
	} else if (!p[0].failed && strcmp(files.data, after.data) != 0) {
		err_set(&p[0].e, "S6001",
			"the analytics were rebuilt while the column engine read them");
		p[0].failed = 1;
	}
out:
	sb_free(&files);
	sb_free(&after);
	if (p[0].conn) {
		PQclear(PQexec(p[0].conn, "COMMIT"));
		columns_release_refresh(p[0].conn, &held); /* (PQfinish would end it too) */
		PQfinish(p[0].conn);
	}
	int failed = -1;
	for (int i = 0; i < parts && failed < 0; i++)
		if (p[i].failed)
			failed = i;
	if (failed >= 0)
		*e = p[failed].e;
	else if (merge(p, parts, c, e) < 0)
		failed = 0;
	for (int i = 0; i < parts; i++)
		for (int k = 0; k < p[i].nfacts; k++)
			wide_free(&p[i].facts[k]);
	for (int k = 0; k < COLUMNS_MAX_FACTS; k++)
		for (int i = 0; i < parts; i++)
			sb_free(&where[k][i]);
	if (failed >= 0) {
		columns_free(c);
		return NULL;
	}
	c->seconds = clock_now() - t0;
	return c;
}

void columns_free(struct columns *c)
{
	if (!c)
		return;
	for (int k = 0; k < c->nfacts; k++) {
		struct fact_columns *fc = &c->facts[k];
		for (int i = 0; i < fc->ndims; i++) {
			for (size_t v = 0; v < fc->dims[i].ndict; v++)
				free(fc->dims[i].dict[v]);
			free(fc->dims[i].dict);
			free(fc->dims[i].data);
		}
		free(fc->flags.data);
		free(fc->keys);
	}
	free(c);
}

const struct fact_columns *columns_fact(const struct columns *c, const struct fact *f)
{
	for (int k = 0; c && k < c->nfacts; k++)
		if (c->facts[k].fact == f)
			return &c->facts[k];
	return NULL;
}

const struct column *columns_dim(const struct fact_columns *fc, const struct dimension *d)
{
	for (int i = 0; i < fc->ndims; i++)
		if (fc->dims[i].dim == d)
			return &fc->dims[i];
	return NULL;
}

int columns_pred_bit(const struct fact_columns *fc, const struct predicate *p)
{
	for (int i = 0; i < fc->npreds; i++)
		if (fc->preds[i] == p)
			return 2 * i;
	return -1;
}
