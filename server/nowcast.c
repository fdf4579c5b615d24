/* GET /api/v1/estimates/nowcast: child victims by the year of the abuse, the last years
 * completed by a nowcast of the reports still to come (docs/methods.md, "Late reports").
 * One protected table, victims by year of report and report delay (whole years from the
 * abuse), charged and noised as any; its cells are a reporting triangle: the abuse of
 * year t reported d years later is the cell (t + d, d), observed while t + d is within
 * the data. The chain ladder of stats/nowcast.h (its bootstrap carrying the cells' noise)
 * nowcasts each year of abuse, flags the years still provisional, and the annual percent
 * change is fitted over the complete years only (apc=complete, the default) or over the
 * nowcasts (apc=nowcast). A year's numbers are shown under a published sum's rule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/xalloc.h"
#include "server/noise.h"
#include "server/respond.h"
#include "server/routes.h"
#include "stats/draw.h"
#include "stats/nowcast.h"
#include "stats/trend.h"

#define NOWCAST_RESAMPLES 1000
#define NOWCAST_DELAYS	  6 /* 0 .. 4 years, and 5+ (counted as 5) */

/* The delay of a report_delay code: 0..4, 5 for 5+, -1 for none. */
static int delay_of(const char *code)
{
	if (!code || !code[0] || code[0] < '0' || code[0] > '5')
		return -1;
	return code[0] - '0';
}

/* The month (1-12) of the data's last report now, 12 when unknown (an answer of the
 * published product; a token's answer knows its own version's, answer.last_month). */
static int last_month_of(PGconn *conn)
{
	struct wq_error e;
	PGresult *r = conn ? db_exec(conn, &e,
				     "SELECT extract(month FROM last_month)::int FROM "
				     "analytics.data_version WHERE last_month IS NOT NULL",
				     0, NULL)
			   : NULL;
	int m = r && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 12;
	PQclear(r);
	return m;
}

void nowcast_get(struct http_request *req, struct http_response *resp)
{
	struct respond_form form;
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	const char *apc = http_query(req, "apc");
	const char *dims[] = {"year", "report_delay"};
	struct query q;
	struct answer a;
	if (respond_check(req, &form, resp) < 0)
		return;
	if (apc && strcmp(apc, "complete") != 0 && strcmp(apc, "nowcast") != 0) {
		http_problem_param(resp, "Q1010", "unknown apc", "apc", "complete or nowcast");
		return;
	}
	int use_nowcasts = apc && !strcmp(apc, "nowcast");
	/* The triangle is every year of the data and every delay: a filter on either would
	 * cut its rows. */
	static const char *const cut[] = {"year", "report_delay", NULL};
	if (respond_refuse_filters(req, cut, resp) < 0)
		return;
	if (respond_query(req, &q, "victims", dims, 2, "dimension", resp) < 0)
		return;
	if (respond_protect(req, &q, who, &a, resp) < 0) {
		respond_audit(req, &q, resp->status, NULL);
		return;
	}
	char canonical[QUERY_TEXT_MAX + 32];
	snprintf(canonical, sizeof canonical, "nowcast %s %s",
		 use_nowcasts ? "nowcast" : "complete", q.canonical);
	if (respond_send_kept(srv, &form, canonical, &a, role_name(who->role), resp) == 0) {
		respond_audit(req, &q, 200, &a);
		answer_free(&a);
		return;
	}

	/* The years of report the table holds; the years of abuse are the same span (an abuse
	 * before the first year of report has its first delays before the data). A last year
	 * the data end before December is a part of one: its diagonal would read as a whole
	 * year's reports, so the triangle ends the year before. */
	int first = 0, last = 0;
	for (size_t r = 0; r < a.n; r++) {
		int y = a.cells[r].values[0] ? atoi(a.cells[r].values[0]) : 0;
		if (y && (!first || y < first))
			first = y;
		if (y > last)
			last = y;
	}
	/* (A token's table is of its period's version: its last month, not today's data's.) */
	if (last && (a.last_month ? a.last_month : last_month_of(http_db(req))) < 12)
		last--;
	if (last < first)
		first = last = 0;
	size_t periods = first ? (size_t)(last - first + 1) : 0;
	/* Delays 0 .. 4 and 5+ ("5+" counted as 5: a report-year tail, its abuse placed five
	 * years before, exact only while reporting does not change); fewer when the data has
	 * fewer years (a delay no year can have reached says nothing). */
	size_t D = periods < NOWCAST_DELAYS ? periods : NOWCAST_DELAYS;
	double *counts = xcalloc(periods * D + 1, sizeof *counts);
	int *published = xcalloc(periods + 1, sizeof *published);
	for (size_t i = 0; i < periods * D; i++)
		counts[i] = (int)(i / D) + (int)(i % D) + first > last ? NAN : 0;
	for (size_t r = 0; r < a.n; r++) {
		const struct pcell *c = &a.cells[r];
		int d = delay_of(c->values[1]), y = c->values[0] ? atoi(c->values[0]) : 0;
		int t = y - (d < 0 ? 0 : d);
		if (d < 0 || t < first || y > last)
			continue; /* an abuse before the data's first year (its row is cut short),
				   * or a report of a part year */
		size_t i = (size_t)(t - first) * D + ((size_t)d < D ? (size_t)d : D - 1);
		counts[i] += isfinite(c->noisy) ? c->noisy : 0;
		published[t - first] |= c->status != CELL_SUPPRESSED;
	}
	for (size_t i = 0; i < periods * D; i++)
		if (counts[i] < 0)
			counts[i] = 0;
	/* The cells' noise: "5+" sums the delays past 4, but each cell is one published cell. */
	struct nowcast_input in = {
	    periods,	       D, counts, st_dlaplace_scale(noise_variance(srv->cfg)),
	    NOWCAST_RESAMPLES, 1, 0.95,	  0.95};
	int most = st_nowcast_max_resamples(periods ? periods : 1, D ? D : 1);
	if (in.resamples > most)
		in.resamples = most;
	struct nowcast_result nr = {0};
	struct wq_error e;
	if (!periods || st_nowcast(&in, &nr, &e) < 0) {
		if (!periods)
			err_set(&e, "A1002", "no whole year of the data to nowcast");
		else if (!strcmp(e.code, "A1002"))
			err_hint(&e,
				 "Use fewer filters: the triangle needs reports at every delay.");
		http_problem_error(resp, 409, &e);
		respond_audit(req, &q, resp->status, &a);
		free(counts);
		free(published);
		answer_free(&a);
		return;
	}

	json_t *headers = json_array(), *rows = json_array(), *items = json_object(),
	       *delays = json_array();
	static const char *const cols[] = {"year",  "reported",	    "nowcast",	   "lower",
					   "upper", "completeness", "provisional", "status"};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", cols[i]));
	double years[NOWCAST_MAX_PERIODS], y[NOWCAST_MAX_PERIODS], one[NOWCAST_MAX_PERIODS];
	size_t n = 0;
	int threshold = srv->cfg->threshold;
	for (size_t t = 0; t < periods; t++) {
		const struct nowcast_period *p = &nr.period[t];
		int shown = published[t] && p->observed >= threshold;
		json_array_append_new(rows,
				      json_pack("[i,o,o,o,o,o,b,s]", first + (int)t,
						shown ? respond_count(p->observed) : json_null(),
						respond_num(shown ? p->estimate : NAN),
						respond_num(shown ? p->lower : NAN),
						respond_num(shown ? p->upper : NAN),
						respond_num(p->completeness), p->provisional,
						shown ? "ok" : "suppressed"));
		/* Which years: the complete ones, or every one; each at its nowcast (a year 95 to
		 * 99.9 % complete still has a few reports to come). */
		if (shown && (use_nowcasts || !p->provisional)) {
			years[n] = first + (double)t;
			y[n] = p->estimate;
			one[n++] = 1;
		}
	}
	for (size_t d = 0; d < D; d++)
		json_array_append_new(delays, respond_num(nr.delay_share[d]));
	struct trend tr;
	json_t *trend = json_object();
	json_object_set_new(trend, "years_used", json_integer((json_int_t)n));
	json_object_set_new(trend, "provisional_years",
			    json_string(use_nowcasts ? "nowcast" : "left out"));
	if (st_trend_counts(years, y, one, n, 0.95, &tr, &e) < 0) {
		json_object_set_new(trend, "apc", json_null());
		json_object_set_new(trend, "note",
				    json_pack("{s:s,s:s}", "code", e.code, "title", e.message));
	} else {
		json_object_set_new(trend, "apc", respond_num(tr.apc));
		json_object_set_new(trend, "lower", respond_num(tr.lower));
		json_object_set_new(trend, "upper", respond_num(tr.upper));
		json_object_set_new(trend, "p_value", respond_num(tr.p_value));
	}
	json_t *doc = json_pack(
	    "{s:o,s:o,s:o,s:o,s:o,s:o}", "indicator", respond_indicator(q.ind), "headers", headers,
	    "rows", rows, "trend", trend, "delay_share", delays, "metaData",
	    respond_meta(srv, &a, role_name(who->role), items,
			 "chain ladder (a Poisson GLM of year of abuse and delay) on the noisy "
			 "reporting triangle of victims by year of report and report delay; "
			 "over-dispersed parametric bootstrap interval (95%) carrying the noise; "
			 "provisional below 95% complete (docs/methods.md)"));
	json_object_set_new(doc, "dispersion", respond_num(nr.dispersion));
	respond_audit(req, &q, 200, &a);
	respond_send_keep(srv, &form, canonical, &a, role_name(who->role), doc, NULL, resp);
	st_nowcast_free(&nr);
	free(counts);
	free(published);
	answer_free(&a);
}
