/* Population loading (see population.h), with libcsv. */
#include "etl/load/population.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/attribute.h"
#include "common/bom.h"
#include "common/db.h"
#include "common/copy.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "etl/load/input.h"

/* year, region, sex, age, population and every attribute a population file may hold */
#define MAXCOL (5 + ATTR_MAX)

/* The extra columns a population file may have: the attributes of a child marked
 * ATTR_POPULATION (common/attribute.h), each a code of the attribute's list. */

struct pop_reader {
	const struct codelists *lists;
	struct wq_error *e;
	FILE *rejects;
	struct population_result *r;
	struct strbuf copy;
	int failed, header_done, ncols;
	int col_year, col_region, col_sex, col_age, col_pop, nextra;
	int extra_col[ATTR_MAX], extra_kind[ATTR_MAX]; /* file column, attr_at index */
	char *f[MAXCOL];
	int nf;
	int nul_col; /* the row's first cell holding a NUL (-1: none): cut short when kept */
	long row;
};

static void on_field(void *s, size_t len, void *data)
{
	struct pop_reader *p = data;
	if (s && memchr(s, '\0', len) && p->nul_col < 0)
		p->nul_col = p->nf;
	if (p->nf < MAXCOL)
		p->f[p->nf] = xstrndup(s ? s : "", s ? len : 0);
	p->nf++;
}

static void reject(struct pop_reader *p, const char *code, const char *column, const char *msg)
{
	p->r->rejected++;
	if (p->rejects) {
		json_t *o = json_pack("{s:I,s:[{s:s,s:s,s:s}]}", "row", (json_int_t)p->row,
				      "errors", "code", code, "pointer", column, "message", msg);
		char *s = json_dumps(o, JSON_COMPACT);
		fprintf(p->rejects, "%s\n", s);
		free(s);
		json_decref(o);
	}
}

/* Digits only (strtol alone takes "+5", and " 5" were libcsv not to trim it). */
static int whole(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void header(struct pop_reader *p)
{
	p->col_year = p->col_region = p->col_sex = p->col_age = p->col_pop = -1;
	p->ncols = p->nf;
	if (p->nf > MAXCOL) {
		p->failed = 1;
		err_set(p->e, "E1006", "the population file has more than %d columns", MAXCOL);
		return;
	}
	for (int i = 0; i < p->nf && i < MAXCOL; i++) {
		const char *h = p->f[i];
		int known = 1;
		for (int k = 0; k < i; k++)
			if (!strcmp(p->f[k], h)) {
				/* The second would be ignored: which one did the clerk mean? */
				p->failed = 1;
				err_set(p->e, "E1006",
					"a column of the population file is there twice");
				err_detail(p->e, "Columns %d and %d have the same name.", k + 1,
					   i + 1);
				return;
			}
		if (!strcmp(h, "year"))
			p->col_year = i;
		else if (!strcmp(h, "region"))
			p->col_region = i;
		else if (!strcmp(h, "sex"))
			p->col_sex = i;
		else if (!strcmp(h, "age"))
			p->col_age = i;
		else if (!strcmp(h, "population"))
			p->col_pop = i;
		else {
			known = 0;
			for (size_t k = 0; k < attr_count() && p->nextra < ATTR_MAX; k++)
				if ((attr_at(k)->flags & ATTR_POPULATION) &&
				    !strcmp(h, attr_at(k)->name)) {
					p->extra_col[p->nextra] = i;
					p->extra_kind[p->nextra++] = (int)k;
					known = 1;
				}
		}
		if (!known) {
			char allowed[512] = "";
			for (size_t k = 0; k < attr_count(); k++)
				if (attr_at(k)->flags & ATTR_POPULATION)
					snprintf(allowed + strlen(allowed),
						 sizeof allowed - strlen(allowed), ", %s",
						 attr_at(k)->name);
			p->failed = 1;
			err_set(p->e, "E1006", "unknown column in the population file");
			err_detail(p->e,
				   "Column %d; allowed: year, region, sex, age, population and %s.",
				   i + 1, allowed + 2);
			return;
		}
	}
	const char *missing = p->col_year < 0	  ? "year"
			      : p->col_region < 0 ? "region"
			      : p->col_sex < 0	  ? "sex"
			      : p->col_age < 0	  ? "age"
			      : p->col_pop < 0	  ? "population"
						  : NULL;
	if (missing) {
		p->failed = 1;
		err_set(p->e, "E1003", "the population file has no column \"%s\"", missing);
	}
}

static const char *list_code(struct pop_reader *p, const char *list, const char *v)
{
	const struct code_list *l = codelists_get(p->lists, list);
	int i = l ? codelist_index(l, v) : -1;
	return i >= 0 ? l->items[i].code : NULL;
}

static void data(struct pop_reader *p)
{
	long year, age, pop;
	char msg[200];
	if (p->nf != p->ncols) {
		snprintf(msg, sizeof msg, "row has %d fields; the header has %d", p->nf, p->ncols);
		reject(p, "E1001", "", msg);
		return;
	}
	if (p->nul_col >= 0) {
		int c = p->nul_col;
		const char *name = c == p->col_year	? "year"
				   : c == p->col_region ? "region"
				   : c == p->col_sex	? "sex"
				   : c == p->col_age	? "age"
				   : c == p->col_pop	? "population"
							: "";
		for (int k = 0; k < p->nextra; k++)
			if (c == p->extra_col[k])
				name = attr_at((size_t)p->extra_kind[k])->name;
		snprintf(msg, sizeof msg, "column %d holds a NUL character", c + 1);
		reject(p, "E1004", name, msg);
		return;
	}
	if (whole(p->f[p->col_year], 1900, 2200, &year) < 0) {
		reject(p, "E1004", "year", "\"year\" must be a year from 1900 to 2200");
		return;
	}
	if (whole(p->f[p->col_age], 0, 120, &age) < 0) {
		reject(p, "E3003", "age", "\"age\" must be a whole number from 0 to 120");
		return;
	}
	if (whole(p->f[p->col_pop], 0, 2000000000, &pop) < 0) {
		reject(p, "E1004", "population", "\"population\" must be a whole number >= 0");
		return;
	}
	const char *region = list_code(p, "regions", p->f[p->col_region]);
	const char *sex = list_code(p, "sex", p->f[p->col_sex]);
	if (!region) {
		reject(p, "E2001", "region", "\"region\" is not a code of list regions");
		return;
	}
	if (!sex) {
		reject(p, "E2001", "sex",
		       "\"sex\" is not a code of list sex (female, male, intersex, unknown)");
		return;
	}
	json_t *dims = json_object();
	for (int k = 0; k < p->nextra; k++) {
		const char *h = attr_at((size_t)p->extra_kind[k])->name,
			   *list = attr_at((size_t)p->extra_kind[k])->list;
		const char *code = list_code(p, list, p->f[p->extra_col[k]]);
		if (!code) {
			snprintf(msg, sizeof msg, "\"%s\" is not a code of list %s", h, list);
			reject(p, "E2001", h, msg);
			json_decref(dims);
			return;
		}
		json_object_set_new(dims, h, json_string(code));
	}
	char *d = json_dumps(dims, JSON_COMPACT | JSON_SORT_KEYS);
	sb_printf(&p->copy, "%ld\t%s\t%s\t%ld\t", year, region, sex, age);
	copy_text(&p->copy, d); /* JSON may hold backslashes, which COPY text escapes */
	sb_printf(&p->copy, "\t%ld\t%ld\n", pop, p->row);
	free(d);
	json_decref(dims);
	p->r->loaded++;
}

static void on_row(int c, void *data_)
{
	(void)c;
	struct pop_reader *p = data_;
	p->row++;
	if (!p->failed) {
		if (!p->header_done && p->nul_col >= 0) {
			p->failed = 1; /* (a name cut short at it would pass for one of ours) */
			err_set(p->e, "E1006",
				"the population file's header holds a NUL character");
			err_detail(p->e, "Column %d.", p->nul_col + 1);
		} else if (!p->header_done) {
			p->header_done = 1;
			header(p);
		} else {
			p->r->rows++;
			data(p);
		}
	}
	p->nul_col = -1;
	for (int i = 0; i < p->nf && i < MAXCOL; i++)
		free(p->f[i]);
	p->nf = 0;
}

int population_load(PGconn *conn, const struct codelists *lists, const char *path, int atomic,
		    FILE *rejects, struct population_result *r, struct wq_error *e)
{
	memset(r, 0, sizeof *r);
	struct input *in = input_open(path, e);
	if (!in)
		return -1;
	struct population_options o = {.atomic = atomic, .rejects = rejects};
	int rc = population_load_stream(conn, lists, in->f, &o, r, e);
	if (rc == -2) {
		err_set(e, "S3001", "could not read \"%s\": %s", path, in->error);
		rc = -1;
	}
	input_close(in);
	return rc;
}

int population_load_stream(PGconn *conn, const struct codelists *lists, FILE *f,
			   const struct population_options *o, struct population_result *r,
			   struct wq_error *e)
{
	struct pop_reader p = {
	    .lists = lists, .e = e, .rejects = o->rejects, .r = r, .nul_col = -1};
	int atomic = o->atomic;
	struct csv_parser parser;
	char buf[1 << 16];
	size_t n;
	int rc = -1;
	memset(r, 0, sizeof *r);
	sb_init(&p.copy);
	csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	int first = 1;
	while (!p.failed && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		size_t skip = first ? bom_length(buf, n) : 0;
		first = 0;
		if (csv_parse(&parser, buf + skip, n - skip, on_field, on_row, &p) != n - skip) {
			err_set(e, "E1001", "the population file is not well-formed CSV");
			err_detail(e, "Near row %ld: %s.", p.row + 1,
				   csv_strerror(csv_error(&parser)));
			p.failed = 1;
		}
	}
	int unreadable = !p.failed && ferror(f);
	p.failed |= unreadable;
	/* An unterminated quote ends the file inside one field: every row after it would be
	 * lost without a word, so it is an error, like any malformed CSV. */
	if (!p.failed && csv_fini(&parser, on_field, on_row, &p) != 0) {
		/* (strict: the last cell opened a quote and never closed it, taking in every
		 * row after it; it began after the cells of the row read so far) */
		err_set(e, "E1001", "the population file is not well-formed CSV");
		err_detail(e, "Row %ld, column %d: a quoted cell is never closed.", p.row + 1,
			   p.nf + 1);
		err_hint(e, "Close the quote, or remove it; nothing was loaded.");
		p.failed = 1;
	}
	for (int i = 0; i < p.nf && i < MAXCOL; i++)
		free(p.f[i]);
	csv_free(&parser);
	if (unreadable) {
		rc = -2;
		goto out;
	}
	if (p.failed)
		goto out;
	if (!p.header_done) {
		err_set(e, "E1003", "the population file is empty");
		goto out;
	}
	if (atomic && r->rejected) {
		r->loaded = 0;
		rc = 1;
		goto out;
	}
	/* One transaction: rows into staging, duplicates within the file are E3009 (the
	 * first is kept), then an upsert. */
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0)
		goto out;
	if (db_script(conn, e,
		      "CREATE TEMP TABLE stage_pop (year smallint, region text, sex text, "
		      "age smallint, dims jsonb, population integer, row bigint) ON COMMIT DROP") <
		0 ||
	    db_copy(conn, e,
		    "COPY stage_pop (year, region, sex, age, dims, population, row) FROM STDIN",
		    p.copy.data, p.copy.len) < 0)
		goto rollback;
	PGresult *dup =
	    db_exec(conn, e,
		    "SELECT row FROM (SELECT row, row_number() OVER (PARTITION BY year, "
		    "region, sex, age, dims ORDER BY row) AS k FROM stage_pop) x "
		    "WHERE k > 1 ORDER BY row",
		    0, NULL);
	if (!dup)
		goto rollback;
	for (int i = 0; i < PQntuples(dup); i++) {
		p.row = atol(PQgetvalue(dup, i, 0));
		reject(&p, "E3009", "",
		       "this year, region, sex, age (and dimensions) appear twice");
		r->loaded--;
	}
	int dups = PQntuples(dup);
	PQclear(dup);
	if (atomic && dups) {
		PQclear(PQexec(conn, "ROLLBACK"));
		r->loaded = 0;
		rc = 1;
		goto out;
	}
	/* Nothing accepted: nothing written, no refresh queued (so no new data version), the
	 * caller's own step (the intake's audit) all the same. */
	if (r->loaded == 0) {
		if ((o->before_commit && o->before_commit(conn, r, o->arg, e) < 0) ||
		    db_run(conn, e, "COMMIT", 0, NULL) < 0)
			goto rollback;
		rc = 0;
		goto out;
	}
	if (db_run(conn, e,
		   "INSERT INTO warehouse.population (year, region, sex, age, dims, population) "
		   "SELECT DISTINCT ON (year, region, sex, age, dims) year, region, sex, age, "
		   "dims, population FROM stage_pop ORDER BY year, region, sex, age, dims, row "
		   "ON CONFLICT (year, region, sex, age, dims) DO UPDATE SET population = "
		   "excluded.population",
		   0, NULL) < 0 ||
	    db_run(conn, e, "INSERT INTO warehouse.refresh_queue (population) VALUES (true)", 0,
		   NULL) < 0 ||
	    (o->before_commit && o->before_commit(conn, r, o->arg, e) < 0) ||
	    db_run(conn, e, "COMMIT", 0, NULL) < 0)
		goto rollback;
	rc = 0;
	goto out;
rollback:
	PQclear(PQexec(conn, "ROLLBACK"));
out:
	sb_free(&p.copy);
	return rc;
}
