/* The quality of each agency's data (see quality.h). */
#include "etl/ops/quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/xalloc.h"
#include "stats/outlier.h"

/* The months from date A to date B, in SQL (the warehouse keeps the month of a report and
 * of an abuse, not the day: a delay is counted in months). */
#define MONTHS(a, b)                                                                               \
	"((extract(year FROM " b ") - extract(year FROM " a ")) * 12 + extract(month FROM " b      \
	") - extract(month FROM " a "))"

/* A month as a count of months since year 0, and back to YYYY-MM. */
static int month_of(const char *s)
{
	return atoi(s) * 12 + atoi(s + 5) - 1;
}
static void month_text(int m, char out[8])
{
	snprintf(out, 8, "%04d-%02d", m / 12, m % 12 + 1);
}

struct month {
	long cases;
	double abuse_months, submit_months; /* medians; NAN: none */
	struct outlier flag;
};

/* One agency's months [first, last], from rows [from, to) of r (agency, month, cases,
 * median months abuse to report, median months report to submission); abuse and submit: the
 * agency's medians over all its cases, as text. */
static void agency_report(const PGresult *r, int from, int to, int last, const char *abuse,
			  const char *submit, enum quality_format format, FILE *out)
{
	const char *agency = PQgetvalue(r, from, 0);
	int first = month_of(PQgetvalue(r, from, 1)), n = last - first + 1;
	struct month *m = xcalloc((size_t)n, sizeof *m);
	double *counts = xmalloc(sizeof(double) * (size_t)n);
	for (int i = 0; i < n; i++)
		m[i].abuse_months = m[i].submit_months = NAN;
	for (int row = from; row < to; row++) {
		int i = month_of(PQgetvalue(r, row, 1)) - first;
		if (i < 0 || i >= n)
			continue; /* not in one snapshot's span: cannot happen, never written */
		m[i].cases = atol(PQgetvalue(r, row, 2));
		if (!PQgetisnull(r, row, 3))
			m[i].abuse_months = atof(PQgetvalue(r, row, 3));
		if (!PQgetisnull(r, row, 4))
			m[i].submit_months = atof(PQgetvalue(r, row, 4));
	}
	long received = 0, outliers = 0, total = 0;
	for (int i = 0; i < n; i++) {
		counts[i] = (double)m[i].cases;
		received += m[i].cases > 0;
		total += m[i].cases;
	}
	struct outlier *flags = xmalloc(sizeof *flags * (size_t)n);
	st_outliers(counts, (size_t)n, flags);
	for (int i = 0; i < n; i++) {
		m[i].flag = flags[i];
		outliers += m[i].cases > 0 && (flags[i].by_z || flags[i].by_fence);
	}
	char text[8];
	if (format == QUALITY_CSV) {
		for (int i = 0; i < n; i++) {
			month_text(first + i, text);
			fprintf(out, "%s,%s,%ld,%s,", agency, text, m[i].cases,
				m[i].cases ? "false" : "true");
			if (isfinite(m[i].flag.z))
				fprintf(out, "%.2f", m[i].flag.z);
			fprintf(out, ",%s,%s,", m[i].flag.by_z ? "true" : "false",
				m[i].flag.by_fence ? "true" : "false");
			if (isfinite(m[i].abuse_months))
				fprintf(out, "%.1f", m[i].abuse_months);
			fputc(',', out);
			if (isfinite(m[i].submit_months))
				fprintf(out, "%.1f", m[i].submit_months);
			fputc('\n', out);
		}
	} else {
		fprintf(out,
			"%s: %ld cases; %ld of %d months reported (%.0f%%); %ld outlier month%s; "
			"median "
			"months from the abuse to the report %s, from the report to its submission "
			"%s\n",
			agency, total, received, n, 100.0 * (double)received / n, outliers,
			outliers == 1 ? "" : "s", abuse, submit);
		for (int i = 0; i < n; i++) {
			month_text(first + i, text);
			if (!m[i].cases)
				fprintf(out, "  %s  no case: missing data, or none to report?\n",
					text);
			else if (m[i].flag.by_z || m[i].flag.by_fence) {
				fprintf(out, "  %s  %ld cases: an outlier (", text, m[i].cases);
				if (isfinite(m[i].flag.z))
					fprintf(out, "modified z %.1f%s", m[i].flag.z,
						m[i].flag.by_fence ? ", " : "");
				fprintf(out, "%s)\n",
					m[i].flag.by_fence ? "outside Tukey's fences" : "");
			}
		}
	}
	free(flags);
	free(counts);
	free(m);
}

/* The months from the abuse to the report, and from the report to its submission. */
#define ABUSE  MONTHS("incident", "reported")
#define SUBMIT MONTHS("reported", "loaded_at")

/* Per agency and month: its cases and their medians; on every row the agency's own medians
 * over all its cases, and the data's last month. One statement, so one snapshot: a load
 * landing meanwhile cannot make the months and the span disagree. */
static const char monthly_sql[] =
    "WITH c AS (SELECT c.agency, c.reported, c.incident, b.loaded_at "
    "           FROM warehouse.\"case\" c JOIN warehouse.batch b USING (batch_id) "
    "           WHERE $1::text IS NULL OR c.agency = $1), "
    "a AS (SELECT agency, "
    "        percentile_cont(0.5) WITHIN GROUP (ORDER BY " ABUSE ") "
    "          FILTER (WHERE incident IS NOT NULL) AS abuse, "
    "        percentile_cont(0.5) WITHIN GROUP (ORDER BY " SUBMIT ") AS submit "
    "      FROM c GROUP BY agency) "
    "SELECT agency, to_char(date_trunc('month', reported), 'YYYY-MM'), count(*), "
    "  percentile_cont(0.5) WITHIN GROUP (ORDER BY " ABUSE ") FILTER (WHERE incident IS NOT NULL), "
    "  percentile_cont(0.5) WITHIN GROUP (ORDER BY " SUBMIT "), "
    "  coalesce(a.abuse::text, 'unknown'), a.submit::text, "
    "  (SELECT to_char(date_trunc('month', max(reported)), 'YYYY-MM') FROM warehouse.\"case\") "
    "FROM c JOIN a USING (agency) GROUP BY agency, 2, a.abuse, a.submit ORDER BY 1, 2";

int quality_report(PGconn *conn, const char *agency, enum quality_format format, FILE *out,
		   struct wq_error *e)
{
	const char *params[1] = {agency};
	PGresult *r = db_exec(conn, e, monthly_sql, 1, params);
	if (!r)
		return -1;
	int rows = PQntuples(r);
	if (rows == 0) {
		PQclear(r);
		if (agency) {
			/* (Not named: the caller's text, which need be no code.) */
			err_set(e, "S3012", "the agency asked for sent no case, or is no agency");
			err_hint(e,
				 "The agency's code as config/codelists/agencies.csv spells it.");
		} else {
			err_set(e, "S3012", "the warehouse holds no case yet");
		}
		return -1;
	}
	int last = month_of(PQgetvalue(r, 0, 7));
	if (format == QUALITY_CSV)
		fprintf(out, "agency,month,cases,missing,modified_z,outlier_z,outlier_iqr,"
			     "median_months_abuse_to_report,median_months_report_to_submission\n");
	for (int from = 0, to; from < rows; from = to) {
		for (to = from + 1;
		     to < rows && !strcmp(PQgetvalue(r, to, 0), PQgetvalue(r, from, 0)); to++)
			;
		agency_report(r, from, to, last, PQgetvalue(r, from, 5), PQgetvalue(r, from, 6),
			      format, out);
	}
	PQclear(r);
	if (format == QUALITY_CSV)
		return 0;
	/* The rejected records, by the agency of their batch and error class; a file's are
	 * the file's, whichever agencies it held. */
	r = db_exec(conn, e,
		    "SELECT coalesce(b.agency, 'files'), r.code, "
		    "count(DISTINCT (r.batch_id, r.record_no)) "
		    "FROM warehouse.reject r JOIN warehouse.batch b USING (batch_id) "
		    "WHERE $1::text IS NULL OR b.agency = $1 OR b.agency IS NULL "
		    "GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2",
		    1, params);
	if (!r)
		return -1;
	fprintf(out, "rejected records by error class:%s\n", PQntuples(r) ? "" : " none");
	for (int i = 0; i < PQntuples(r); i++)
		fprintf(out, "  %s%s  %s  %s\n", PQgetvalue(r, i, 0),
			agency && !strcmp(PQgetvalue(r, i, 0), "files") ? " (every agency's)" : "",
			PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
	PQclear(r);
	return 0;
}
