/* The flat CSV layout (see csv_reader.h). */
#include "etl/csv_reader.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

const char *const csv_columns[CSV_NCOL] = {"agency",
					   "case_ref",
					   "reported",
					   "incident",
					   "region",
					   "offences",
					   "technology",
					   "detection",
					   "financial",
					   "status",
					   "victim_ref",
					   "victim_given_name",
					   "victim_family_name",
					   "victim_birth_date",
					   "victim_national_id",
					   "victim_id_country",
					   "victim_sex",
					   "victim_age",
					   "victim_gender_identity",
					   "victim_sexual_orientation",
					   "victim_ethnicity",
					   "victim_disability",
					   "victim_migrant_status",
					   "victim_economic_status",
					   "victim_education_status",
					   "victim_relationship",
					   "offender_ref",
					   "offender_given_name",
					   "offender_family_name",
					   "offender_birth_date",
					   "offender_national_id",
					   "offender_id_country",
					   "offender_sex",
					   "offender_age"};

/* The JSON field of each column (within the case, the person or the identity). */
static const char *field_of(enum csv_col c)
{
	const char *n = csv_columns[c];
	if (c >= CSV_V_REF && c <= CSV_V_RELATIONSHIP)
		return n + strlen("victim_");
	if (c >= CSV_O_REF)
		return n + strlen("offender_");
	return n;
}

static int is_identity(enum csv_col c)
{
	return (c >= CSV_V_GIVEN && c <= CSV_V_COUNTRY) || (c >= CSV_O_GIVEN && c <= CSV_O_COUNTRY);
}

#define MAXF 64

struct reader {
	csv_case_fn fn;
	void *ctx;
	struct wq_error *e;
	int failed;
	long row;
	int ncols, map[MAXF]; /* file column -> enum csv_col, -1 absent */
	char *f[MAXF];	      /* the current row's fields (NULL: empty) */
	char bad[MAXF];	      /* the field held a NUL or a control character */
	int nf;
	int header_done;
	/* The case being assembled. */
	json_t *cur;
	char *cur_agency, *cur_ref;
	char *first[CSV_V_REF]; /* its case columns from the first row, for E3007 */
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
static json_t *cell(struct reader *r, enum csv_col c, const char *v)
{
	if (!v)
		return NULL;
	if (c == CSV_V_AGE || c == CSV_O_AGE) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*v && !*end && strlen(v) < 6)
			return json_integer(n);
	}
	if (c == CSV_FINANCIAL && (!strcmp(v, "true") || !strcmp(v, "false")))
		return json_boolean(!strcmp(v, "true"));
	if (c == CSV_OFFENCES || c == CSV_TECHNOLOGY) {
		json_t *a = json_array();
		const char *p = v;
		while (1) {
			const char *semi = strchr(p, ';');
			size_t len = semi ? (size_t)(semi - p) : strlen(p);
			json_t *s = json_stringn(p, len);
			if (!s) {
				json_decref(a);
				rec_error_add(&r->errs, "E1002", csv_columns[c],
					      "\"%s\" is not valid UTF-8", csv_columns[c]);
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
		rec_error_add(&r->errs, "E1002", csv_columns[c], "\"%s\" is not valid UTF-8",
			      csv_columns[c]);
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
	for (int i = 0; i < CSV_V_REF; i++) {
		free(r->first[i]);
		r->first[i] = NULL;
	}
	memset(&r->errs, 0, sizeof r->errs);
	return rc;
}

static const char *get(struct reader *r, enum csv_col c)
{
	for (int i = 0; i < r->ncols && i < MAXF; i++)
		if (r->map[i] == (int)c)
			return i < r->nf ? r->f[i] : NULL;
	return NULL;
}

/* A person object from a row's victim or offender columns. */
static json_t *person(struct reader *r, enum csv_col from, enum csv_col to)
{
	json_t *p = json_object(), *id = json_object();
	for (int c = from; c <= (int)to; c++) {
		json_t *v = cell(r, (enum csv_col)c, get(r, (enum csv_col)c));
		set(is_identity((enum csv_col)c) ? id : p, field_of((enum csv_col)c), v);
	}
	if (json_object_size(id))
		json_object_set_new(p, "identity", id);
	else
		json_decref(id);
	return p;
}

/* Whether the row's cell of column c held a control character. */
static int bad_cell(const struct reader *r, enum csv_col c)
{
	for (int i = 0; i < r->ncols && i < MAXF && i < r->nf; i++)
		if (r->map[i] == (int)c)
			return r->bad[i];
	return 0;
}

static void data_row(struct reader *r)
{
	const char *agency = get(r, CSV_AGENCY), *ref = get(r, CSV_CASE_REF);
	/* A row whose agency or case_ref cell is bad is a case of its own (rejected), never
	 * a row of the case it would otherwise seem to continue. */
	int keys_bad = bad_cell(r, CSV_AGENCY) || bad_cell(r, CSV_CASE_REF);
	int same = !keys_bad && r->cur && agency && ref && r->cur_agency && r->cur_ref &&
		   !strcmp(agency, r->cur_agency) && !strcmp(ref, r->cur_ref);
	if (!same) {
		if (emit(r) < 0) {
			r->failed = 1;
			return;
		}
		r->cur = json_object();
		r->cur_row = r->row;
		r->cur_agency = agency ? xstrdup(agency) : NULL;
		r->cur_ref = ref ? xstrdup(ref) : NULL;
		for (int c = 0; c < CSV_V_REF; c++) {
			const char *v = get(r, (enum csv_col)c);
			r->first[c] = v ? xstrdup(v) : NULL;
			set(r->cur, field_of((enum csv_col)c), cell(r, (enum csv_col)c, v));
		}
		json_object_set_new(r->cur, "victims", json_array());
	} else {
		/* Every row repeats the case columns identically. */
		for (int c = 0; c < CSV_V_REF; c++) {
			const char *v = get(r, (enum csv_col)c);
			if ((v == NULL) != (r->first[c] == NULL) || (v && strcmp(v, r->first[c]))) {
				rec_error_add(
				    &r->errs, "E3007", csv_columns[c],
				    "row %ld disagrees with the case's first row on \"%s\"", r->row,
				    csv_columns[c]);
			}
		}
	}
	for (int i = 0; i < r->ncols && i < MAXF && i < r->nf; i++)
		if (r->bad[i] && r->map[i] >= 0)
			rec_error_add(&r->errs, "E1004", csv_columns[r->map[i]],
				      "\"%s\" contains a NUL or control character (row %ld)",
				      csv_columns[r->map[i]], r->row);
	/* A case of more persons than validation takes is rejected there (E1005): stop
	 * collecting them, so that a case of N rows costs O(N), not O(N^2). */
	json_t *vs = json_object_get(r->cur, "victims"), *os = json_object_get(r->cur, "offenders");
	if (json_array_size(vs) > REC_MAX_PERSONS || json_array_size(os) > REC_MAX_PERSONS)
		return;
	/* A victim ref already seen adds nothing but its offender. */
	const char *vref = get(r, CSV_V_REF);
	json_t *victims = json_object_get(r->cur, "victims");
	int seen = 0;
	size_t i;
	json_t *v;
	json_array_foreach (victims, i, v) {
		const char *s = json_string_value(json_object_get(v, "ref"));
		seen |= vref && s && !strcmp(s, vref);
	}
	if (!seen)
		json_array_append_new(victims, person(r, CSV_V_REF, CSV_V_RELATIONSHIP));
	if (get(r, CSV_O_REF) || get(r, CSV_O_SEX) || get(r, CSV_O_AGE)) {
		json_t *offenders = json_object_get(r->cur, "offenders");
		if (!offenders) {
			offenders = json_array();
			json_object_set_new(r->cur, "offenders", offenders);
		}
		json_array_append_new(offenders, person(r, CSV_O_REF, CSV_O_AGE));
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
			for (int i = 0; i < r->nf && i < MAXF; i++) {
				r->map[i] = -1;
				for (int k = 0; k < CSV_NCOL; k++)
					if (r->f[i] && !strcmp(r->f[i], csv_columns[k]))
						r->map[i] = k;
				if (r->map[i] < 0) {
					r->failed = 1;
					err_set(r->e, "E1006", "unknown column");
					/* The header cell is never echoed (a clerk may have typed a
					 * name there): its number, and our column it resembles when
					 * it differs from one only by case. */
					const char *like = NULL;
					for (int k = 0; k < CSV_NCOL && r->f[i]; k++)
						if (!strcasecmp(r->f[i], csv_columns[k]))
							like = csv_columns[k];
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
		} else if (r->nf != r->ncols) {
			/* A row of another width: reject it as a record of its own. */
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
	struct csv_parser p;
	char buf[1 << 16];
	size_t n;
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	int first = 1;
	while (!r.failed && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		size_t skip = 0;
		/* A UTF-8 byte-order mark (Excel writes one) is not part of the header. */
		if (first && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
			skip = 3;
		first = 0;
		if (csv_parse(&p, buf + skip, n - skip, on_field, on_row, &r) != n - skip) {
			err_set(e, "E1001", "the file is not well-formed CSV");
			err_detail(e, "Near row %ld: %s.", r.row + 1, csv_strerror(csv_error(&p)));
			r.failed = 1;
		}
	}
	if (!r.failed && csv_fini(&p, on_field, on_row, &r) != 0) {
		err_set(e, "E1001", "the file is not well-formed CSV");
		err_detail(e, "At the end: %s.", csv_strerror(csv_error(&p)));
		r.failed = 1;
	}
	if (!r.failed && emit(&r) < 0)
		r.failed = 1;
	for (int i = 0; i < r.nf && i < MAXF; i++)
		free(r.f[i]);
	json_decref(r.cur);
	free(r.cur_agency);
	free(r.cur_ref);
	for (int i = 0; i < CSV_V_REF; i++)
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
