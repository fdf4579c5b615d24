/* Code-list loading with libcsv (labels may hold commas and quotes) and lookup by binary
 * search over a sorted index, since agency and region lists can be long. */
#include "common/codelist.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bom.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* Whether s can be a code: letters, digits and _ . + - (1 to 64 of them), never NULL. */
static int plain_code(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || strcasecmp(s, "null") == 0)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-") == n;
}

struct reader {
	struct code_list *list;
	size_t cap;
	char *fields[4];
	int nfield, line, header_done, failed;
	int source; /* the fourth column is source (else iccs) */
	struct wq_error *e;
	const char *file;
};

static void on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	if (r->nfield < 4)
		r->fields[r->nfield] = s ? xstrndup(s, len) : xstrdup("");
	r->nfield++;
}

static void on_row(int c, void *data)
{
	(void)c;
	struct reader *r = data;
	int n = r->nfield;
	r->line++;
	if (!r->failed) {
		if (n < 3 || n > 4) {
			r->failed = 1;
			err_set(r->e, "S1102", "malformed code list \"%s\"", r->file);
			err_detail(r->e,
				   "Line %d has %d fields; expected "
				   "code,label_en,label_ar[,iccs|source].",
				   r->line, n);
		} else if (!r->header_done) {
			r->header_done = 1;
			r->source = n == 4 && strcmp(r->fields[3], "source") == 0;
			if (strcmp(r->fields[0], "code") != 0 ||
			    (n == 4 && !r->source && strcmp(r->fields[3], "iccs") != 0)) {
				r->failed = 1;
				err_set(r->e, "S1102", "malformed code list \"%s\"", r->file);
				err_detail(r->e, "Line 1 must be the header "
						 "code,label_en,label_ar[,iccs|source].");
			}
		} else if (!plain_code(r->fields[0])) {
			/* Codes go into COPY text and array literals unescaped (etl/load/chunk.c),
			 * into URLs and CSV: letters, digits and _ . + - only, and never NULL. */
			r->failed = 1;
			err_set(r->e, "S1102", "malformed code list \"%s\"", r->file);
			err_detail(r->e,
				   "Line %d's code is empty, longer than 64 bytes, NULL, or has a "
				   "character other than a letter, a digit, _ . + or -.",
				   r->line);
		} else {
			xgrow((void **)&r->list->items, &r->cap, r->list->n + 1,
			      sizeof(struct code_item));
			struct code_item *it = &r->list->items[r->list->n++];
			it->code = r->fields[0];
			it->label_en = r->fields[1];
			it->label_ar = r->fields[2];
			char *fourth = n == 4 && r->fields[3][0] ? r->fields[3] : NULL;
			if (n == 4 && !fourth)
				free(r->fields[3]);
			it->iccs = r->source ? NULL : fourth;
			it->source = r->source ? fourth : NULL;
			/* A source is a part of a code of sources.csv (joined by +): a code itself,
			 * without +. */
			if (it->source && (!plain_code(it->source) || strchr(it->source, '+'))) {
				r->failed = 1;
				err_set(r->e, "S1102", "malformed code list \"%s\"", r->file);
				err_detail(
				    r->e,
				    "Line %d's source is not a code (letters, digits, _ . or -, "
				    "at most 64).",
				    r->line);
			}
			r->nfield = 0;
			return;
		}
	}
	for (int i = 0; i < n && i < 4; i++)
		free(r->fields[i]);
	r->nfield = 0;
}

static const struct code_list *sort_list;
static int by_code(const void *a, const void *b)
{
	return strcmp(sort_list->items[*(const size_t *)a].code,
		      sort_list->items[*(const size_t *)b].code);
}

static int load_file(struct code_list *l, const char *dir, const char *file, struct wq_error *e)
{
	char *path = xasprintf("%s/%s", dir, file);
	struct reader r = {.list = l, .e = e, .file = path};
	struct csv_parser p;
	char buf[8192];
	size_t n;
	int rc = -1;

	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(e, "S1101", "could not open code list \"%s\": %s", path, strerror(errno));
		free(path);
		return -1;
	}
	csv_init(&p, CSV_STRICT | CSV_APPEND_NULL);
	for (int first = 1; (n = fread(buf, 1, sizeof buf, f)) > 0 && !r.failed; first = 0) {
		/* (A list edited in Excel and saved as "CSV UTF-8" starts with a mark.) */
		size_t skip = first ? bom_length(buf, n) : 0;
		if (csv_parse(&p, buf + skip, n - skip, on_field, on_row, &r) != n - skip) {
			err_set(e, "S1102", "malformed code list \"%s\"", path);
			err_detail(e, "Near line %d: %s.", r.line + 1, csv_strerror(csv_error(&p)));
			r.failed = 1;
		}
	}
	if (!r.failed)
		csv_fini(&p, on_field, on_row, &r);
	csv_free(&p);
	fclose(f);
	if (r.failed)
		goto out;

	l->sorted = xmalloc(sizeof(size_t) * (l->n ? l->n : 1));
	for (size_t i = 0; i < l->n; i++)
		l->sorted[i] = i;
	sort_list = l;
	qsort(l->sorted, l->n, sizeof(size_t), by_code);
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->items[l->sorted[i]].code, l->items[l->sorted[i - 1]].code) == 0) {
			err_set(e, "S1103", "duplicate code \"%s\" in code list \"%s\"",
				l->items[l->sorted[i]].code, path);
			goto out;
		}
	}
	rc = 0;
out:
	free(path);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct code_list *)a)->name, ((const struct code_list *)b)->name);
}

int codelists_load(struct codelists *cl, const char *dir, struct wq_error *e)
{
	size_t cap = 0;
	struct dirent *de;
	memset(cl, 0, sizeof *cl);

	DIR *d = opendir(dir);
	if (!d) {
		err_set(e, "S1101", "could not open code-list directory \"%s\": %s", dir,
			strerror(errno));
		err_hint(e, "Set [paths] codelists in the configuration.");
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".csv") != 0)
			continue;
		xgrow((void **)&cl->lists, &cap, cl->n + 1, sizeof(struct code_list));
		struct code_list *l = &cl->lists[cl->n++];
		memset(l, 0, sizeof *l);
		l->name = xstrndup(de->d_name, len - 4);
		if (load_file(l, dir, de->d_name, e) < 0) {
			closedir(d);
			codelists_free(cl);
			return -1;
		}
	}
	closedir(d);
	qsort(cl->lists, cl->n, sizeof(struct code_list), by_name);
	return 0;
}

void codelists_free(struct codelists *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		struct code_list *l = &cl->lists[i];
		for (size_t j = 0; j < l->n; j++) {
			free(l->items[j].code);
			free(l->items[j].label_en);
			free(l->items[j].label_ar);
			free(l->items[j].iccs);
			free(l->items[j].source);
		}
		free(l->items);
		free(l->sorted);
		free(l->name);
	}
	free(cl->lists);
	memset(cl, 0, sizeof *cl);
}

const struct code_list *codelists_get(const struct codelists *cl, const char *name)
{
	struct code_list key = {.name = (char *)name};
	return bsearch(&key, cl->lists, cl->n, sizeof(struct code_list), by_name);
}

int codelist_index(const struct code_list *l, const char *code)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(code, l->items[l->sorted[mid]].code);
		if (c == 0)
			return (int)l->sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

char *codelist_codes(const struct code_list *l, size_t max)
{
	struct strbuf sb, item;
	sb_init(&sb);
	sb_init(&item);
	size_t i = 0;
	for (; i < l->n; i++) {
		sb_reset(&item);
		sb_printf(&item, "%s%s", i ? ", " : "", l->items[i].code);
		if (l->items[i].label_en && strcmp(l->items[i].label_en, l->items[i].code) != 0)
			sb_printf(&item, " (%s)", l->items[i].label_en);
		if (sb.len + item.len > max && i > 0)
			break;
		sb_put(&sb, item.data, item.len);
	}
	if (i < l->n)
		sb_printf(&sb, " and %zu more", l->n - i);
	sb_free(&item);
	return sb.data;
}
