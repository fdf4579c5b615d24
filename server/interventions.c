/* GET /api/v1/interventions: did the support a child received prevent the outcome? Per
 * intervention type and for none, from one protected table of the outcome by support
 * (a multi-valued dimension of victim-years: a child counts under each type it received,
 * and under none only when it received none):
 *  - n, the outcome proportion with its noise-widened Wilson interval;
 *  - against none: the risk difference (Newcombe) and risk ratio (Katz) with intervals, and
 *    the number needed to treat, 1 / |RD|, with Altman's (1998) interval: the inverted RD
 *    bounds when they exclude 0, else "not significant" (NNTB x to infinity to NNTH y);
 *  - where config/ prices the type: the cost per outcome averted, unit cost x NNT, with
 *    the interval of the NNT.
 * survival=true adds, from a second protected table (by support and the month of the
 * outcome), the Kaplan-Meier curve of months to the outcome per type and the log-rank
 * test, computed by the statistics library on the published counts. Every number comes
 * from protected cells, so the route adds no disclosure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "server/respond.h"
#include "server/routes.h"
#include "stats/survival.h"
#include "stats/table.h"

/* The published counts of one group: outcomes x among n. */
struct group {
	const char *type;
	double x, n;
	const struct pcell *cell;
};

static int published(const struct pcell *c)
{
	return isfinite(c->num) && isfinite(c->den) && c->den > 0;
}

/* The NNT of a risk difference interval (Altman 1998). rd < 0: the intervention lowers
 * the outcome, a benefit. */
static json_t *nnt_of(const struct interval *rd)
{
	json_t *o = json_object();
	int sig = rd->lower > 0 || rd->upper < 0;
	json_object_set_new(o, "estimate",
			    respond_num(rd->estimate != 0 ? 1 / fabs(rd->estimate) : NAN));
	json_object_set_new(o, "kind",
			    json_string(rd->estimate < 0   ? "benefit"
					: rd->estimate > 0 ? "harm"
							   : "none"));
	json_object_set_new(o, "significant", json_boolean(sig));
	if (sig) {
		double a = 1 / fabs(rd->lower), b = 1 / fabs(rd->upper);
		json_object_set_new(o, "lower", respond_num(a < b ? a : b));
		json_object_set_new(o, "upper", respond_num(a < b ? b : a));
		json_object_set_new(o, "note", json_null());
	} else {
		json_object_set_new(o, "lower", json_null());
		json_object_set_new(o, "upper", json_null());
		char note[160];
		snprintf(note, sizeof note,
			 "not significant: the RD interval crosses 0 (NNT benefit %.1f to "
			 "infinity to NNT harm %.1f)",
			 rd->lower < 0 ? -1 / rd->lower : INFINITY,
			 rd->upper > 0 ? 1 / rd->upper : INFINITY);
		json_object_set_new(o, "note", json_string(note));
	}
	return o;
}

/* Cost per outcome averted: unit cost / -RD, bounded by the RD interval when it shows a
 * benefit throughout; null otherwise (no outcome is averted for certain). */
static json_t *cost_of_averting(double unit, const struct interval *rd)
{
	if (!isfinite(unit))
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "unit_cost", json_real(unit));
	int benefit = rd->upper < 0;
	json_object_set_new(o, "estimate",
			    respond_num(rd->estimate < 0 ? unit / -rd->estimate : NAN));
	json_object_set_new(o, "lower", respond_num(benefit ? unit / -rd->lower : NAN));
	json_object_set_new(o, "upper", respond_num(benefit ? unit / -rd->upper : NAN));
	json_object_set_new(o, "note",
			    benefit ? json_null()
				    : json_string("no benefit shown: the RD interval "
						  "does not lie below 0"));
	return o;
}

/* KM curves from the table by (support, month of outcome): per type, d_t outcomes at
 * month t and the rest of its n censored at 12 (every child in the denominator was
 * followed 12 months), expanded into one record each for st_km. */
static json_t *survival(const struct answer *a, const struct group *g, size_t ng, json_t *notes)
{
	size_t cap = 0;
	for (size_t i = 0; i < ng; i++)
		cap += g[i].n > 0 ? (size_t)g[i].n : 0;
	double *time = xcalloc(cap + 1, sizeof(double));
	int *status = xcalloc(cap + 1, sizeof(int));
	const char **group = xcalloc(cap + 1, sizeof(char *));
	size_t n = 0;
	int left_out = 0;
	for (size_t i = 0; i < ng; i++) {
		double events = 0;
		if (!isfinite(g[i].n))
			continue; /* a suppressed group has no curve */
		for (size_t r = 0; r < a->n; r++) {
			const struct pcell *c = &a->cells[r];
			if (!c->values[0] || strcmp(c->values[0], g[i].type) || !c->values[1])
				continue;
			if (!isfinite(c->num)) {
				left_out++;
				continue;
			}
			for (long k = 0; k < (long)c->num && n < cap && events < g[i].n; k++) {
				time[n] = atof(c->values[1]);
				status[n] = 1;
				group[n++] = g[i].type;
				events++;
			}
		}
		for (double k = events; k < g[i].n && n < cap; k++) {
			time[n] = 12;
			status[n] = 0;
			group[n++] = g[i].type;
		}
	}
	if (left_out)
		json_array_append_new(notes, json_string("a month's count is suppressed: its "
							 "outcomes are left out of the curve"));
	struct km_result km;
	struct wq_error e;
	json_t *out = NULL;
	if (st_km(time, status, group, n, KM_LOGLOG, 0.95, &km, &e) == 0) {
		json_t *curves = json_array();
		for (size_t i = 0; i < km.ngroups; i++) {
			const struct km_curve *k = &km.groups[i];
			json_t *pts = json_array();
			for (size_t t = 0; t < k->n; t++)
				json_array_append_new(
				    pts, json_pack("{s:f,s:f,s:f,s:o,s:o,s:o}", "month", k->time[t],
						   "at_risk", k->n_risk[t], "events", k->n_event[t],
						   "survival", respond_num(k->survival[t]), "lower",
						   respond_num(k->lower[t]), "upper",
						   respond_num(k->upper[t])));
			json_array_append_new(
			    curves, json_pack("{s:s,s:o}", "support", k->name, "curve", pts));
		}
		out = json_pack("{s:o,s:{s:o,s:o,s:o},s:s}", "curves", curves, "log_rank",
				"chi_square", respond_num(km.chi_square), "df", respond_num(km.df),
				"p_value", respond_num(km.p_value), "method",
				"Kaplan-Meier with Greenwood variance, log-log intervals (95%); "
				"log-rank test (survival::survdiff)");
		st_km_free(&km);
	} else {
		out = json_pack("{s:{s:s,s:s}}", "error", "code", e.code, "title", e.message);
	}
	free(time);
	free(status);
	free(group);
	return out;
}

/* The protected outcome table q, audited. */
static int outcome_table(struct http_request *req, const struct query *q, struct answer *a,
			 struct http_response *resp)
{
	int rc = respond_protect(req, q, http_principal(req), a, resp);
	respond_audit(req, q, rc < 0 ? resp->status : 200, rc < 0 ? NULL : a);
	return rc;
}

void interventions_get(struct http_request *req, struct http_response *resp)
{
	struct respond_form form;
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	const char *outcome = http_query(req, "outcome"), *by = http_query(req, "by");
	const char *surv = http_query(req, "survival");
	struct query q, qm;
	struct answer a, am;
	if (respond_check(req, &form, resp) < 0)
		return;
	if (by && strcmp(by, "type") != 0) {
		http_problem_param(resp, "Q1010", "unsupported grouping", "by",
				   "type (the intervention type) is the one grouping");
		return;
	}
	if (surv && strcmp(surv, "true") != 0 && strcmp(surv, "false") != 0) {
		http_problem_param(resp, "Q1010", "survival must be true or false", "survival",
				   "true or false");
		return;
	}
	if (!outcome)
		outcome = "revictimisation_12m";
	const struct indicator *ind = indicators_get(&srv->indicators, outcome);
	if (ind && (ind->type != IND_PROPORTION || strcmp(ind->fact->name, "victim_year") != 0)) {
		http_problem(resp, 409, "Q1019", "the outcome must be a proportion of victim-years",
			     NULL, "outcome=revictimisation_12m");
		return;
	}
	/* The outcome by support, and by month too for the survival curves. */
	int months = surv && !strcmp(surv, "true");
	const char *dims[2] = {"support", "revictimisation_month"};
	if (respond_query(req, &q, outcome, dims, 1, "by", resp) < 0 ||
	    (months && respond_query(req, &qm, outcome, dims, 2, "by", resp) < 0))
		return;
	if (months) {
		/* Both tables' cost in one dry run; then both, the answer's charge their sum. */
		const struct query *both[] = {&q, &qm};
		if (respond_dry_run(req, both, 2, who, resp))
			return;
	}
	if (outcome_table(req, &q, &a, resp) < 0)
		return;
	if (months && outcome_table(req, &qm, &am, resp) < 0) {
		answer_free(&a);
		return;
	}
	if (months) {
		a.epsilon += am.epsilon;
		a.remaining = am.remaining;
	}

	/* The groups: every type of the support list, none first as the comparison. */
	struct group g[QUERY_MAX_ITEMS];
	size_t ng = 0;
	const struct group *none = NULL;
	for (size_t r = 0; r < a.n && ng < QUERY_MAX_ITEMS; r++) {
		const struct pcell *c = &a.cells[r];
		if (!c->values[0])
			continue;
		g[ng] = (struct group){c->values[0], published(c) ? c->num : NAN,
				       published(c) ? c->den : NAN, c};
		if (!strcmp(c->values[0], "none"))
			none = &g[ng];
		ng++;
	}
	json_t *headers = json_array(), *rows = json_array(), *items = json_object(),
	       *notes = json_array();
	static const char *const cols[] = {"support",
					   "n",
					   "outcomes",
					   "proportion",
					   "lower",
					   "upper",
					   "cell_status",
					   "risk_difference",
					   "rd_lower",
					   "rd_upper",
					   "risk_ratio",
					   "rr_lower",
					   "rr_upper",
					   "nnt",
					   "nnt_lower",
					   "nnt_upper",
					   "nnt_kind",
					   "nnt_note",
					   "cost_per_outcome_averted",
					   "cost_lower",
					   "cost_upper"};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", cols[i]));
	for (size_t i = 0; i < ng; i++) {
		const struct pcell *c = g[i].cell;
		respond_add_label(items, srv, q.dims[0].dim, g[i].type);
		json_t *row =
		    json_pack("[s,o,o,o,o,o,s]", g[i].type, respond_count(g[i].n),
			      respond_count(g[i].x), respond_num(c->value), respond_num(c->lower),
			      respond_num(c->upper), cell_status_name(c->status));
		struct two_by_two t;
		struct wq_error e;
		int compared = none && &g[i] != none && isfinite(g[i].n) && isfinite(none->n);
		if (compared) {
			struct table2 tb = {g[i].x, g[i].n - g[i].x, none->x, none->n - none->x};
			compared = st_two_by_two(&tb, 0.95, &t, &e) == 0;
		}
		if (!compared) {
			for (int k = 0; k < 14; k++)
				json_array_append_new(row, json_null());
			json_array_append_new(rows, row);
			continue;
		}
		json_t *nnt = nnt_of(&t.risk_difference);
		json_t *cost =
		    cost_of_averting(cost_of(&srv->costs, g[i].type), &t.risk_difference);
		json_t *ratios = json_pack(
		    "[o,o,o,o,o,o]", respond_num(t.risk_difference.estimate),
		    respond_num(t.risk_difference.lower), respond_num(t.risk_difference.upper),
		    respond_num(t.risk_ratio.estimate), respond_num(t.risk_ratio.lower),
		    respond_num(t.risk_ratio.upper));
		json_array_extend(row, ratios);
		json_decref(ratios);
		json_array_append(row, json_object_get(nnt, "estimate"));
		json_array_append(row, json_object_get(nnt, "lower"));
		json_array_append(row, json_object_get(nnt, "upper"));
		json_array_append(row, json_object_get(nnt, "kind"));
		json_array_append(row, json_object_get(nnt, "note"));
		static const char *const cost_fields[] = {"estimate", "lower", "upper"};
		for (int k = 0; k < 3; k++) {
			json_t *v = json_object_get(cost, cost_fields[k]);
			json_array_append_new(row, v ? json_incref(v) : json_null());
		}
		json_decref(nnt);
		json_decref(cost);
		json_array_append_new(rows, row);
	}
	if (!none || !isfinite(none->n))
		json_array_append_new(notes, json_string("the none group is suppressed: no "
							 "comparison"));
	json_t *doc = json_pack(
	    "{s:o,s:s,s:o,s:o,s:o}", "indicator", respond_indicator(q.ind), "by", "type", "headers",
	    headers, "rows", rows, "metaData",
	    respond_meta(srv, &a, role_name(who->role), items,
			 "noisy counts (discrete Laplace); proportions with Wilson intervals "
			 "widened by the noise; RD Newcombe (method 10), RR Katz, NNT Altman "
			 "1998, on the published counts (docs/methods.md)"));
	if (srv->costs.n)
		json_object_set_new(doc, "costs",
				    json_pack("{s:s,s:s}", "currency", srv->costs.currency,
					      "source", srv->costs.source));
	if (months) {
		json_object_set_new(doc, "survival", survival(&am, g, ng, notes));
		answer_free(&am);
	}
	json_object_set_new(doc, "notes", notes);
	respond_send(&form, doc, resp);
	answer_free(&a);
}
