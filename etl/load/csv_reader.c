/* The flat CSV layout (see csv_reader.h). */
#include "etl/load/csv_reader.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bom.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "etl/load/input.h"

/* The case columns come first in the layout (csv_layout.h). */
#define NCASE CSV_CASE_COLUMNS

#define MAXF 64

struct reader {
	csv_case_fn fn;
	void *ctx;
	struct wq_error *e;
	int failed;
	long row;
	const struct csv_column *cols; /* the layout (csv_layout) */
	size_t ncol;
	size_t vref, oref, osex, oage; /* the layout's columns a row's persons hang on */
	int ncols, map[MAXF];	       /* file column -> column of the layout, -1 absent */
	char *f[MAXF];		       /* the current row's fields (NULL: empty) */
	char bad[MAXF];		       /* the field held a NUL or a control character */
	int nf;
	int header_done;
	/* The case being assembled. */
	json_t *cur;
	char *cur_agency, *cur_ref;
	char *first[NCASE]; /* its case columns from the first row, for E3007 */
	long cur_row;
	struct rec_errors errs;
};

/* A NUL or a control character other than tab: nothing an agency's cell may hold. A NUL
 * would cut the cell short (CSV/1\0OTHER read as CSV/1, a different case). */
static int has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return 1;
	}
	return 0;
}

static void on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	if (r->nf < MAXF) {
		r->bad[r->nf] = has_control(s, len);
		r->f[r->nf] = len && !r->bad[r->nf] ? xstrndup(s, len) : NULL;
	}
	r->nf++;
}

/* A JSON value for a cell: integers for ages, booleans for financial, arrays for the
 * multi-valued columns, strings otherwise (validation reports anything else). NULL for an
 * empty cell. Invalid UTF-8 is reported here (E1002), since Jansson refuses it. */
static json_t *cell(struct reader *r, const struct csv_column *c, const char *v)
{
	if (!v)
		return NULL;
	if (c->kind == CSV_INT) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*v && !*end && strlen(v) < 6)
			return json_integer(n);
	}
	if (c->kind == CSV_BOOL && (!strcmp(v, "true") || !strcmp(v, "false")))
		return json_boolean(!strcmp(v, "true"));
	if (c->kind == CSV_LIST) {
		json_t *a = json_array();
		const char *p = v;
		while (1) {
			/* "grooming; sextortion": the spaces around a code are not part of it. */
			const char *semi = strchr(p, ';');
			size_t len = semi ? (size_t)(semi - p) : strlen(p);
			while (len && *p == ' ') {
				p++;
				len--;
			}
			while (len && p[len - 1] == ' ')
				len--;
			json_t *s = json_stringn(p, len);
			if (!s) {
				json_decref(a);
				rec_error_add(&r->errs, "E1002", c->name,
					      "\"%s\" is not valid UTF-8", c->name);
				return json_null();
			}
			json_array_append_new(a, s);
			if (!semi)
				break;
			p = semi + 1;
		}
		return a;
	}
	json_t *s = json_string(v);
	if (!s) {
		rec_error_add(&r->errs, "E1002", c->name, "\"%s\" is not valid UTF-8", c->name);
		return json_null();
	}
	return s;
}

static void set(json_t *obj, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(obj, key, v);
}

static int emit(struct reader *r)
{
	if (!r->cur)
		return 0;
	int rc = r->fn(r->ctx, r->errs.n ? NULL : r->cur, &r->errs, r->cur_row);
	json_decref(r->cur);
	r->cur = NULL;
	free(r->cur_agency);
	free(r->cur_ref);
	r->cur_agency = r->cur_ref = NULL;
	for (size_t i = 0; i < NCASE; i++) {
		free(r->first[i]);
		r->first[i] = NULL;
	}
	memset(&r->errs, 0, sizeof r->errs);
	return rc;
}

/* The row's cell of layout column c (NULL: empty or not in the file). */
static const char *get(struct reader *r, size_t c)
{
	for (int i = 0; i < r->ncols && i < MAXF; i++)
		if (r->map[i] == (int)c)
			return i < r->nf ? r->f[i] : NULL;
	return NULL;
}

/* The layout's column of OWNER's FIELD (one of the fixed columns: always there). */
static size_t column(const struct reader *r, enum csv_owner owner, const char *field)
{
	size_t c = 0;
	while (c < r->ncol && !(r->cols[c].owner == owner && !strcmp(r->cols[c].field, field)))
		c++;
	return c;
}

/* A person object from a row's victim or offender columns. */
static json_t *person(struct reader *r, enum csv_owner owner)
{
	json_t *p = json_object(), *id = json_object();
	for (size_t c = 0; c < r->ncol; c++) {
		const struct csv_column *col = &r->cols[c];
		if (col->owner == owner)
			set(col->identity ? id : p, col->field, cell(r, col, get(r, c)));
	}
	if (json_object_size(id))
		json_object_set_new(p, "identity", id);
	else
		json_decref(id);
	return p;
}

/* Whether the row's cell of column c held a control character. */
static int bad_cell(const struct reader *r, size_t c)
{
	for (int i = 0; i < r->ncols && i < MAXF && i < r->nf; i++)
		if (r->map[i] == (int)c)
			return r->bad[i];
	return 0;
}

/* The case columns come first in the layout: columns 0 .. NCASE-1 are case_cols. */
enum { COL_AGENCY = 0, COL_CASE_REF = 1 };

/* Whether the row names a case: an agency and a case_ref, neither bad. A row whose
 * agency or case_ref cell is bad is a case of its own (rejected), never a row of the case
 * it would otherwise seem to continue. */
static int keyed(struct reader *r)
{
	return get(r, COL_AGENCY) && get(r, COL_CASE_REF) && !bad_cell(r, COL_AGENCY) &&
	       !bad_cell(r, COL_CASE_REF);
}

/* Whether the row's agency and case_ref are the current case's. */
static int continues_case(struct reader *r)
{
	return keyed(r) && r->cur && r->cur_agency && r->cur_ref &&
	       !strcmp(get(r, COL_AGENCY), r->cur_agency) &&
	       !strcmp(get(r, COL_CASE_REF), r->cur_ref);
}

/* Emits the current case and opens the row's; 0, or -1 (the reader failed). */
static int open_case(struct reader *r)
{
	const char *agency = get(r, COL_AGENCY), *ref = get(r, COL_CASE_REF);
	if (emit(r) < 0) {
		r->failed = 1;
		return -1;
	}
	r->cur = json_object();
	r->cur_row = r->row;
	r->cur_agency = agency ? xstrdup(agency) : NULL;
	r->cur_ref = ref ? xstrdup(ref) : NULL;
	for (size_t c = 0; c < NCASE; c++) {
		const char *v = get(r, c);
		r->first[c] = v ? xstrdup(v) : NULL;
		set(r->cur, r->cols[c].field, cell(r, &r->cols[c], v));
	}
	json_object_set_new(r->cur, "victims", json_array());
	return 0;
}

static void data_row(struct reader *r)
{
	if (!continues_case(r)) {
		if (open_case(r) < 0)
			return;
	} else {
		/* Every row repeats the case columns identically. */
		for (size_t c = 0; c < NCASE; c++) {
			const char *v = get(r, c);
			if ((v == NULL) != (r->first[c] == NULL) || (v && strcmp(v, r->first[c]))) {
				rec_error_add(
				    &r->errs, "E3007", r->cols[c].name,
				    "row %ld disagrees with the case's first row on \"%s\"", r->row,
				    r->cols[c].name);
			}
		}
	}
	for (int i = 0; i < r->ncols && i < MAXF && i < r->nf; i++)
		if (r->bad[i] && r->map[i] >= 0)
			rec_error_add(&r->errs, "E1004", r->cols[r->map[i]].name,
				      "\"%s\" contains a NUL or control character (row %ld)",
				      r->cols[r->map[i]].name, r->row);
	/* A case of more persons than validation takes is rejected there (E1005): stop
	 * collecting them, so that a case of N rows costs O(N), not O(N^2). */
	json_t *vs = json_object_get(r->cur, "victims"), *os = json_object_get(r->cur, "offenders");
	if (json_array_size(vs) > REC_MAX_PERSONS || json_array_size(os) > REC_MAX_PERSONS)
		return;
	/* A victim ref already seen adds nothing but its offender; its victim columns may be
	 * left empty, and those it fills must say what its first row said (E3007, naming
	 * the column): another child under the same ref was dropped without a word. */
	const char *vref = get(r, r->vref);
	json_t *victims = json_object_get(r->cur, "victims");
	json_t *seen = NULL;
	size_t i;
	json_t *v;
	json_array_foreach (victims, i, v) {
		const char *s = json_string_value(json_object_get(v, "ref"));
		if (vref && s && !strcmp(s, vref))
			seen = v;
	}
	if (!seen) {
		json_array_append_new(victims, person(r, CSV_VICTIM));
	} else {
		for (size_t c = 0; c < r->ncol; c++) {
			const struct csv_column *col = &r->cols[c];
			const char *now = get(r, c);
			if (col->owner != CSV_VICTIM || !now)
				continue;
			json_t *was = json_object_get(
				   col->identity ? json_object_get(seen, "identity") : seen,
				   col->field),
			       *is = cell(r, col, now);
			if (!was || !json_equal(was, is))
				rec_error_add(&r->errs, "E3007", col->name,
					      "row %ld disagrees with its victim's first row on "
					      "\"%s\"",
					      r->row, col->name);
			json_decref(is);
		}
	}
	if (get(r, r->oref) || get(r, r->osex) || get(r, r->oage)) {
		json_t *offenders = json_object_get(r->cur, "offenders");
		if (!offenders) {
			offenders = json_array();
			json_object_set_new(r->cur, "offenders", offenders);
		}
		json_array_append_new(offenders, person(r, CSV_OFFENDER));
	}
}

static void on_row(int c, void *data)
{
	(void)c;
	struct reader *r = data;
	r->row++;
	if (!r->failed) {
		if (!r->header_done) {
			r->header_done = 1;
			r->ncols = r->nf;
			/* A header of one column holding a semicolon, a tab or a vertical
			 * bar: a spreadsheet saved with its own separator. Said at once, not as an
			 * unknown column (the separator is a byte, never a submitted value). */
			const char *sep = r->nf == 1 && r->f[0] ? strpbrk(r->f[0], ";\t|") : NULL;
			if (sep) {
				r->failed = 1;
				err_set(r->e, "S3007", "the file is not comma-separated CSV");
				err_detail(r->e, "Its header's columns are separated by %s.",
					   *sep == ';'	  ? "semicolons"
					   : *sep == '\t' ? "tabs"
							  : "vertical bars");
				err_hint(r->e, "Save it as CSV with commas (\"CSV UTF-8\" in a "
					       "spreadsheet), or as NDJSON; nothing was loaded.");
				return;
			}
			for (int i = 0; i < r->nf && i < MAXF; i++) {
				r->map[i] = -1;
				for (size_t k = 0; k < r->ncol; k++)
					if (r->f[i] && !strcmp(r->f[i], r->cols[k].name))
						r->map[i] = (int)k;
				for (int k = 0; k < i && r->map[i] >= 0; k++)
					if (r->map[k] == r->map[i]) {
						/* The second would be ignored, or overwrite the
						 * first. */
						r->failed = 1;
						err_set(r->e, "E1006",
							"column \"%s\" is in the header twice",
							r->cols[r->map[i]].name);
						err_detail(r->e, "Columns %d and %d.", k + 1,
							   i + 1);
						break;
					}
				if (r->failed)
					break;
				if (r->map[i] < 0) {
					r->failed = 1;
					err_set(r->e, "E1006", "unknown column");
					/* The header cell is never echoed (a clerk may have typed a
					 * name there): its number, and our column it resembles when
					 * it differs from one only by case. */
					const char *like = NULL;
					for (size_t k = 0; k < r->ncol && r->f[i]; k++)
						if (!strcasecmp(r->f[i], r->cols[k].name))
							like = r->cols[k].name;
					err_detail(r->e,
						   "Column %d of the header is not a column of the "
						   "CSV layout (case-record.md)%s%s%s",
						   i + 1, like ? "; did you mean \"" : ".",
						   like ? like : "",
						   like ? "\" (lower case)?" : "");
					break;
				}
			}
			if (r->nf > MAXF) {
				r->failed = 1;
				err_set(r->e, "E1006", "the header has more than %d columns", MAXF);
			}
		} else if (r->nf != r->ncols && keyed(r)) {
			/* A row of another width that names a case (an unquoted comma in a later
			 * cell): its case is rejected whole, the current one or one it opens,
			 * which the rows after it with its agency and case_ref join. Never loaded
			 * without the row, nor split in two. */
			if (continues_case(r) || open_case(r) == 0)
				rec_error_add(&r->errs, "E1001", "",
					      "row %ld has %d fields; the header has %d", r->row,
					      r->nf, r->ncols);
		} else if (r->nf != r->ncols) {
			/* Any other row of another width: a rejected record of its own. */
			struct rec_errors errs = {0};
			rec_error_add(&errs, "E1001", "",
				      "row %ld has %d fields; the header has %d", r->row, r->nf,
				      r->ncols);
			if (emit(r) < 0 || r->fn(r->ctx, NULL, &errs, r->row) < 0)
				r->failed = 1;
		} else {
			data_row(r);
		}
	}
	for (int i = 0; i < r->nf && i < MAXF; i++)
		free(r->f[i]);
	r->nf = 0;
}

int csv_read_cases(FILE *f, csv_case_fn fn, void *ctx, struct wq_error *e)
{
	struct reader r = {.fn = fn, .ctx = ctx, .e = e};
	r.ncol = csv_layout(&r.cols);
	r.vref = column(&r, CSV_VICTIM, "ref");
	r.oref = column(&r, CSV_OFFENDER, "ref");
	r.osex = column(&r, CSV_OFFENDER, "sex");
	r.oage = column(&r, CSV_OFFENDER, "age");
	struct csv_parser p;
	char buf[1 << 16];
	size_t n;
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	int first = 1;
	while (!r.failed && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		size_t skip = first ? bom_length(buf, n) : 0;
		first = 0;
		if (csv_parse(&p, buf + skip, n - skip, on_field, on_row, &r) != n - skip) {
			err_set(e, "E1001", "the file is not well-formed CSV");
			err_detail(e, "Near row %ld: %s.", r.row + 1, csv_strerror(csv_error(&p)));
			r.failed = 1;
		}
	}
	if (!r.failed && csv_fini(&p, on_field, on_row, &r) != 0) {
		/* (strict: the last cell opened a quote and never closed it, taking in every
		 * row after it; it began after the cells of the row read so far) */
		const char *name =
		    r.header_done && r.nf < r.ncols && r.nf < MAXF && r.map[r.nf] >= 0
			? r.cols[r.map[r.nf]].name
			: NULL;
		err_set(e, "E1001", "the file is not well-formed CSV");
		err_detail(e, "Row %ld, column %d%s%s%s: a quoted cell is never closed.", r.row + 1,
			   r.nf + 1, name ? " (" : "", name ? name : "", name ? ")" : "");
		err_hint(e, "Close the quote, or remove it; nothing was loaded.");
		r.failed = 1;
	}
	if (!r.failed && emit(&r) < 0)
		r.failed = 1;
	for (int i = 0; i < r.nf && i < MAXF; i++)
		free(r.f[i]);
	json_decref(r.cur);
	free(r.cur_agency);
	free(r.cur_ref);
	for (size_t i = 0; i < NCASE; i++)
		free(r.first[i]);
	csv_free(&p);
	return r.failed ? -1 : 0;
}

void csv_column_of(const char *ptr, char *out, size_t n)
{
	/* "/victims/3/identity/given_name" -> "victim_given_name" */
	const char *prefix = NULL, *rest = ptr;
	if (!strncmp(ptr, "/victims", 8))
		prefix = "victim_", rest = ptr + 8;
	else if (!strncmp(ptr, "/offenders", 10))
		prefix = "offender_", rest = ptr + 10;
	if (prefix) {
		if (*rest == '/')
			rest = strchr(rest + 1, '/'); /* skip the index */
		if (!rest) {
			snprintf(out, n, "%sref", prefix);
			return;
		}
		if (!strncmp(rest, "/identity", 9))
			rest += 9;
		snprintf(out, n, "%s%s", prefix, *rest == '/' ? rest + 1 : "ref");
		return;
	}
	const char *slash = ptr[0] == '/' ? strchr(ptr + 1, '/') : NULL;
	snprintf(out, n, "%.*s",
		 (int)(slash ? slash - ptr - 1 : (long)strlen(ptr) - (ptr[0] == '/')),
		 ptr + (ptr[0] == '/'));
}
