/* The UN-CTS return (see uncts.h). */
#include "server/uncts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

/* Where the return is written: a worksheet of the workbook and the CSV's lines. */
struct out {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *title, *number, *unreliable, *conf;
	const char *table; /* the CSV's table column: the sheet's name */
	int row;
	struct strbuf csv;
};

/* The public's answer of a product query of the release, for year. */
static int ask(const struct uncts_source *src, PGconn *conn, int release, int year,
	       const char *query, struct answer *a, struct wq_error *e)
{
	struct query *q = xmalloc(sizeof *q);
	char text[512];
	unsigned status;
	int retry;
	snprintf(text, sizeof text, "%s&from=%d&to=%d", query, year, year);
	int rc = query_parse_text(q, src->indicators, src->lists, text, &status, e);
	if (rc == 0) {
		const struct principal pub = {0, ROLE_PUBLIC, ""};
		q->release = release;
		rc = protect_answer(src->protector, conn, q, &pub, PROTECT_PUBLISHED, a, &status,
				    &retry, e);
		if (rc < 0 && !strcmp(e->code, "Q1015"))
			err_set(e, "U1001", "the release does not hold %d", year);
		else if (rc < 0 && (status == 401 || !strcmp(e->code, "T1000")))
			err_set(e, "R1003", "the release publishes no table that answers %s",
				query);
	}
	free(q);
	return rc;
}

static void text(struct out *o, int col, const char *s, lxw_format *f)
{
	worksheet_write_string(o->ws, (lxw_row_t)o->row, (lxw_col_t)col, s, f);
}

/* One published cell at col of the current row, and its CSV line (row and column its
 * codes). A withheld cell is "c"; an unreliable one is its number, shown with an asterisk
 * (a number format: the cell stays a number for whoever sums it). */
static void cell(struct out *o, int col, const char *row, const char *column, const struct pcell *c)
{
	int published =
	    c && (c->status == CELL_OK || c->status == CELL_UNRELIABLE) && isfinite(c->value);
	if (published)
		worksheet_write_number(o->ws, (lxw_row_t)o->row, (lxw_col_t)col, c->value,
				       c->status == CELL_UNRELIABLE ? o->unreliable : o->number);
	else
		text(o, col, "c", o->conf);
	sb_printf(&o->csv, "%s,", o->table);
	sb_csv_field(&o->csv, row);
	sb_putc(&o->csv, ',');
	sb_csv_field(&o->csv, column);
	if (published)
		sb_printf(&o->csv, ",%.17g,%.17g,%.17g,%s\n", c->value, c->lower, c->upper,
			  cell_status_name(c->status));
	else
		sb_printf(&o->csv, ",,,,%s\n", c ? cell_status_name(c->status) : "suppressed");
}

/* The cell of a whose codes are v0 (and v1 for a second dimension), or NULL. */
static const struct pcell *find(const struct answer *a, int ndims, const char *v0, const char *v1)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct pcell *c = &a->cells[i];
		if ((ndims < 1 || (c->values[0] && !strcmp(c->values[0], v0))) &&
		    (ndims < 2 || (c->values[1] && !strcmp(c->values[1], v1))))
			return c;
	}
	return NULL;
}

static void sheet(struct out *o, const char *name, const char *title, const char *subtitle)
{
	o->ws = workbook_add_worksheet(o->wb, name);
	o->table = name;
	o->row = 0;
	text(o, 0, title, o->title);
	o->row = 1;
	text(o, 0, subtitle, NULL);
	o->row = 3;
}

static const char *iccs_label(const struct code_list *iccs, const char *code)
{
	int at = iccs ? codelist_index(iccs, code) : -1;
	return at < 0 ? NULL : iccs->items[at].label_en;
}

/* Every offence's ICCS codes ("03011/03012") must be codes of the ICCS list. */
static int check_mapping(const struct code_list *off, const struct code_list *iccs,
			 struct wq_error *e)
{
	for (size_t i = 0; off && i < off->n; i++) {
		const char *m = off->items[i].iccs ? off->items[i].iccs : "";
		char code[32];
		for (const char *p = m; *p;) {
			size_t len = strcspn(p, "/");
			snprintf(code, sizeof code, "%.*s", (int)len, p);
			if (!iccs_label(iccs, code)) {
				err_set(e, "U1002",
					"the offence %s is mapped to the ICCS code %s, which "
					"config/codelists/iccs.csv does not name",
					off->items[i].code, code);
				return -1;
			}
			p += len + (p[len] == '/');
		}
	}
	return 0;
}

/* Table 1: offences recorded, by ICCS code. */
static int offences(const struct uncts_source *src, PGconn *conn, int release, int year,
		    struct out *o, struct wq_error *e)
{
	const struct code_list *off = codelists_get(src->lists, "offences"),
			       *iccs = codelists_get(src->lists, "iccs");
	struct answer a;
	if (ask(src, conn, release, year, "indicator=cases&dimension=offence", &a, e) < 0)
		return -1;
	char sub[160];
	snprintf(sub, sizeof sub,
		 "Offences recorded in %d: a case is counted once under each offence it holds",
		 year);
	sheet(o, "Table 1 Offences",
	      "Sexual violence and sexual exploitation of children, by ICCS code", sub);
	const char *head[] = {"ICCS code", "ICCS category", "National offence (code)",
			      "National offence", "Offences recorded"};
	for (int c = 0; c < 5; c++)
		text(o, c, head[c], o->bold);
	for (size_t i = 0; off && i < off->n; i++) {
		const struct code_item *it = &off->items[i];
		struct strbuf labels;
		sb_init(&labels);
		const char *m = it->iccs ? it->iccs : "";
		char code[32];
		for (const char *p = m; *p;) {
			size_t len = strcspn(p, "/");
			snprintf(code, sizeof code, "%.*s", (int)len, p);
			sb_printf(&labels, "%s%s", labels.len ? " / " : "", iccs_label(iccs, code));
			p += len + (p[len] == '/');
		}
		o->row++;
		text(o, 0, m, NULL);
		text(o, 1, labels.data ? labels.data : "", NULL);
		text(o, 2, it->code, NULL);
		text(o, 3, it->label_en, NULL);
		cell(o, 4, it->code, "offences", find(&a, 1, it->code, NULL));
		sb_free(&labels);
	}
	answer_free(&a);
	return 0;
}

/* Table 2: child victims by sex and age band. */
static int victims(const struct uncts_source *src, PGconn *conn, int release, int year,
		   struct out *o, struct wq_error *e)
{
	const struct code_list *sex = codelists_get(src->lists, "sex"),
			       *age = codelists_get(src->lists, "age_band");
	struct answer a, t;
	if (ask(src, conn, release, year, "indicator=victims&dimension=sex&dimension=age_band", &a,
		e) < 0)
		return -1;
	if (ask(src, conn, release, year, "indicator=victims&dimension=sex", &t, e) < 0) {
		answer_free(&a);
		return -1;
	}
	char sub[200];
	snprintf(sub, sizeof sub,
		 "Victims reported in %d, by sex and age band at the report (a child counted "
		 "once in a year, whatever its cases)",
		 year);
	sheet(o, "Table 2 Victims", "Victims of sexual violence and exploitation, by sex and age",
	      sub);
	text(o, 0, "Sex", o->bold);
	for (size_t k = 0; age && k < age->n; k++)
		text(o, 1 + (int)k, age->items[k].label_en, o->bold);
	int total = 1 + (int)(age ? age->n : 0);
	text(o, total, "Total", o->bold);
	for (size_t s = 0; sex && s < sex->n; s++) {
		o->row++;
		text(o, 0, sex->items[s].label_en, NULL);
		for (size_t k = 0; age && k < age->n; k++)
			cell(o, 1 + (int)k, sex->items[s].code, age->items[k].code,
			     find(&a, 2, sex->items[s].code, age->items[k].code));
		cell(o, total, sex->items[s].code, "total", find(&t, 1, sex->items[s].code, NULL));
	}
	answer_free(&a);
	answer_free(&t);
	return 0;
}

/* Table 3: cases by stage of the justice process and offender group, and the survey's
 * three rows as sums of stages. */
static int justice(const struct uncts_source *src, PGconn *conn, int release, int year,
		   struct out *o, struct wq_error *e)
{
	const struct code_list *status = codelists_get(src->lists, "status"),
			       *group = codelists_get(src->lists, "offender_group");
	struct answer a;
	if (ask(src, conn, release, year,
		"indicator=cases&dimension=status&dimension=offender_group", &a, e) < 0)
		return -1;
	char sub[200];
	snprintf(sub, sizeof sub,
		 "Cases reported in %d, by their stage and who harmed: the survey counts persons, "
		 "the warehouse counts cases",
		 year);
	sheet(o, "Table 3 Justice", "Cases in the criminal justice process, by offender group",
	      sub);
	text(o, 0, "Stage", o->bold);
	for (size_t g = 0; group && g < group->n; g++)
		text(o, 1 + (int)g, group->items[g].label_en, o->bold);
	for (size_t s = 0; status && s < status->n; s++) {
		o->row++;
		text(o, 0, status->items[s].label_en, NULL);
		for (size_t g = 0; group && g < group->n; g++)
			cell(o, 1 + (int)g, status->items[s].code, group->items[g].code,
			     find(&a, 2, status->items[s].code, group->items[g].code));
	}
	answer_free(&a);
	/* The survey's rows: sums of stages (a filter of several items sums the release's
	 * cells: one answer, its own noise and interval). */
	static const struct {
		const char *row, *label, *filter;
	} rows[] = {
	    {"formal_contact", "Brought into formal contact (an offender identified)",
	     "filter=offender_group:adult;child;mixed"},
	    {"prosecuted", "Prosecuted (prosecuted, convicted or acquitted)",
	     "filter=offender_group:adult;child;mixed&filter=status:prosecuted;convicted;"
	     "acquitted"},
	    {"convicted", "Convicted",
	     "filter=offender_group:adult;child;mixed&filter=status:convicted"},
	};
	o->row += 2;
	text(o, 0, "As the survey asks", o->bold);
	text(o, 1, "Cases", o->bold);
	for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
		char q[256];
		snprintf(q, sizeof q, "indicator=cases&%s", rows[r].filter);
		struct answer s;
		if (ask(src, conn, release, year, q, &s, e) < 0)
			return -1;
		o->row++;
		text(o, 0, rows[r].label, NULL);
		cell(o, 1, rows[r].row, "cases", s.n ? &s.cells[0] : NULL);
		answer_free(&s);
	}
	return 0;
}

/* The notes: what the return is, and the ICCS mapping of the national offences. */
static void notes(const struct uncts_source *src, struct out *o, int year, int release,
		  const char *day)
{
	const struct code_list *off = codelists_get(src->lists, "offences");
	char title[200], sub[300];
	snprintf(title, sizeof title,
		 "UN-CTS return of %s: sexual violence and sexual exploitation of children, %d",
		 src->country, year);
	snprintf(sub, sizeof sub, "From official release %d of %s (Wiqaya, docs/releases.md)",
		 release, day);
	sheet(o, "Notes", title, sub);
	static const char *const lines[] = {
	    "Every figure is the release's published product: a count with noise added "
	    "(discrete Laplace), the same for everyone; its 95% interval is in the CSV.",
	    "c: a cell withheld by the disclosure control (fewer than the threshold, or a cell "
	    "under its floor).",
	    "*: an unreliable figure (fewer than 20, or its interval too wide to rely on); the "
	    "cell holds the number, the asterisk is its format.",
	    "Table 1 counts offences: a case holding several offences counts under each.",
	    "Table 2 counts children reported as victims in the year (victim-years), by their "
	    "age band at the report.",
	    "Table 3 counts cases, not persons: the warehouse follows a case, not each "
	    "offender, through the justice process.",
	    "The national offences and their ICCS codes (config/codelists/offences.csv):"};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		text(o, 0, lines[i], NULL);
		o->row++;
	}
	o->row++;
	text(o, 0, "National offence (code)", o->bold);
	text(o, 1, "National offence", o->bold);
	text(o, 2, "ICCS code", o->bold);
	for (size_t i = 0; off && i < off->n; i++) {
		o->row++;
		text(o, 0, off->items[i].code, NULL);
		text(o, 1, off->items[i].label_en, NULL);
		text(o, 2, off->items[i].iccs ? off->items[i].iccs : "", NULL);
	}
	worksheet_set_column(o->ws, 0, 0, 28, NULL);
	worksheet_set_column(o->ws, 1, 1, 60, NULL);
}

int uncts_write(const struct uncts_source *src, PGconn *conn, int year, int release,
		const char *dir, struct wq_error *e)
{
	if (check_mapping(codelists_get(src->lists, "offences"), codelists_get(src->lists, "iccs"),
			  e) < 0)
		return -1;
	/* The release: asked, or the newest published; its id and day from an answer. */
	struct answer probe;
	if (ask(src, conn, release, year, "indicator=victims&dimension=sex", &probe, e) < 0)
		return -1;
	int id = probe.official;
	char day[16];
	snprintf(day, sizeof day, "%s", probe.release_day ? probe.release_day : "");
	answer_free(&probe);
	if (!id) {
		err_set(e, "R1001", "there is no published release");
		return -1;
	}
	char xlsx[4096], csvpath[4096];
	snprintf(xlsx, sizeof xlsx, "%s/uncts-%d.xlsx", dir, year);
	snprintf(csvpath, sizeof csvpath, "%s/uncts-%d.csv", dir, year);
	struct out o = {0};
	o.wb = workbook_new(xlsx);
	if (!o.wb) {
		err_set(e, "U1003", "%s cannot be written", xlsx);
		return -1;
	}
	o.bold = workbook_add_format(o.wb);
	format_set_bold(o.bold);
	o.title = workbook_add_format(o.wb);
	format_set_bold(o.title);
	format_set_font_size(o.title, 13);
	o.number = workbook_add_format(o.wb);
	format_set_num_format(o.number, "#,##0");
	o.unreliable = workbook_add_format(o.wb);
	format_set_num_format(o.unreliable, "#,##0\"*\"");
	o.conf = workbook_add_format(o.wb);
	format_set_align(o.conf, LXW_ALIGN_RIGHT);
	sb_init(&o.csv);
	sb_puts(&o.csv, "table,row,column,value,lower,upper,status\n");
	notes(src, &o, year, id, day);
	int rc = offences(src, conn, id, year, &o, e) < 0 ||
			 victims(src, conn, id, year, &o, e) < 0 ||
			 justice(src, conn, id, year, &o, e) < 0
		     ? -1
		     : 0;
	if (workbook_close(o.wb) != LXW_NO_ERROR && rc == 0)
		rc = err_set(e, "U1003", "%s cannot be written", xlsx);
	FILE *f = rc == 0 ? fopen(csvpath, "w") : NULL;
	if (rc == 0 && (!f || fwrite(o.csv.data, 1, o.csv.len, f) != o.csv.len))
		rc = err_set(e, "U1003", "%s cannot be written", csvpath);
	if (f && fclose(f) != 0 && rc == 0)
		rc = err_set(e, "U1003", "%s cannot be written", csvpath);
	if (rc < 0) {
		remove(xlsx);
		remove(csvpath);
	}
	sb_free(&o.csv);
	return rc;
}
