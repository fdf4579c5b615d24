/* GET /api/v1/estimates/hidden: how many children no source reported, by multiple-systems
 * estimation (docs/methods.md, "Hidden victims"). One protected table, victims by their
 * sources (a child-year's capture pattern: which of the lists of agencies.csv's source
 * column reported it) and optionally one dimension, charged and noised as any table; then
 * per group the log-linear models of stats/mse.h on the table's noisy counts, their own
 * interval widened by that noise. The small overlaps the table suppresses still enter the
 * models (their noisy counts, never shown): the estimate is post-processing of the noisy
 * table (docs/privacy.md, "Estimates from the noisy table"), and a group's estimate is
 * published under the rule a sum of cells is: its noisy children at the threshold, and one
 * of its cells published. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/cores.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/noise.h"
#include "server/respond.h"
#include "server/routes.h"
#include "stats/draw.h"
#include "stats/mse.h"

/* The resamples of an interval: the whole table's, and each group's (a dimension's groups
 * are many and small; their intervals take the time of one whole table together). */
#define HIDDEN_RESAMPLES       1000
#define HIDDEN_GROUP_RESAMPLES 200
#define HIDDEN_THREADS	       8

/* The dimensions a table of sources may be split by (one of them). */
static const char *const strata[] = {"region", "sex", "age_band", NULL};

/* Filters that would cut the table the models read: the sources themselves, and the
 * agency or channel of a child-year's first case (which decide one of its sources). */
static const char *const cut_filters[] = {"sources", "agency", "detection", NULL};

/* The lists: the sources' code list's single sources, in byte order (a pattern's code
 * names them in that order, joined by +). */
struct lists {
	const char *name[MSE_MAX_LISTS];
	int k;
};

static int by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void lists_of(const struct codelists *cl, struct lists *l)
{
	const struct code_list *sources = codelists_get(cl, "sources");
	l->k = 0;
	for (size_t i = 0; sources && i < sources->n; i++)
		if (!strchr(sources->items[i].code, '+') && l->k < MSE_MAX_LISTS)
			l->name[l->k++] = sources->items[i].code;
	qsort(l->name, (size_t)l->k, sizeof l->name[0], by_text);
}

/* The pattern of a sources code (bit j: list j), 0 when a name is no list. */
static unsigned pattern_of(const struct lists *l, const char *code)
{
	unsigned w = 0;
	while (code && *code) {
		size_t len = strcspn(code, "+");
		int j = 0;
		while (j < l->k && (strlen(l->name[j]) != len || strncmp(l->name[j], code, len)))
			j++;
		if (j == l->k)
			return 0;
		w |= 1u << j;
		code += len + (code[len] == '+');
	}
	return w;
}

/* One group's table and estimate. */
struct group {
	const char *code; /* the dimension's item; NULL: every group together */
	struct mse_table t;
	int published; /* a cell of the group was published */
	struct mse_options o;
	struct mse_result r;
	struct wq_error e;
	int rc;
};

struct jobs {
	struct group *g;
	size_t n, next;
	const struct lists *l;
	pthread_mutex_t lock;
};

static void *fit_groups(void *arg)
{
	struct jobs *j = arg;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		size_t i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->n)
			return NULL;
		struct group *g = &j->g[i];
		g->rc = st_mse(&g->t, j->l->name, &g->o, &g->r, &g->e);
	}
}

/* Fits every group, on all cores. */
static void fit_all(struct group *g, size_t n, const struct lists *l)
{
	struct jobs j = {g, n, 0, l, PTHREAD_MUTEX_INITIALIZER};
	pthread_t t[HIDDEN_THREADS];
	int nt = cores(HIDDEN_THREADS), started = 0;
	if ((size_t)nt > n)
		nt = (int)n;
	for (int i = 1; i < nt; i++)
		started += pthread_create(&t[started], NULL, fit_groups, &j) == 0;
	fit_groups(&j);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&j.lock);
}

/* The title of a warning or error of the models as the answer gives it: fixed words per
 * code, never the library's text, which quotes counts of single cells (A2003: "only the 3
 * children seen by ..."), the noisy counts of cells the table suppresses. */
static const char *title_of(const char *code)
{
	static const char *const titles[][2] = {
	    {"A2001", "two sources share no child: their dependence cannot be estimated"},
	    {"A2002", "models whose estimate does not exist were left out"},
	    {"A2003", "the estimate rests on one small cell of the overlaps"},
	    {"A2004", "a source saw fewer than ten children"},
	    {"A2005", "the unseen are more than five times the reported: the sources overlap "
		      "little"},
	    {"A2006", "some resampled tables could not be fitted"},
	    {"A2007", "the period is more than one year: its child-years are pooled, and a "
		      "child may come and go within it"},
	    {"A1001", "the table cannot make a model"},
	    {"A1002", "nothing to estimate from: a source saw no child, or no child was seen "
		      "by two"},
	    {"A1007", "no model of the overlaps has an estimate"},
	    {"A1011", "the estimate is past the limits"},
	};
	for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
		if (!strcmp(titles[i][0], code))
			return titles[i][1];
	return "the model could not be fitted";
}

/* Adds {code, title} to warnings, once a code. */
static void warn(json_t *warnings, const char *code)
{
	size_t i;
	json_t *v;
	json_array_foreach (warnings, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "code")), code))
			return;
	}
	json_array_append_new(warnings,
			      json_pack("{s:s,s:s}", "code", code, "title", title_of(code)));
}

/* One group's estimate as JSON: its group when split, the row's numbers (null unless
 * published and fitted), the model and its warnings. */
static json_t *estimate_json(const struct group *g, const struct dimension *gd,
			     const struct lists *l, const char *criterion, double threshold,
			     int pooled)
{
	json_t *o = json_object(), *inter = json_array(), *steps = json_array(),
	       *warnings = json_array();
	if (gd) /* the group first: null for the whole table */
		json_object_set_new(o, gd->name,
				    g->code ? respond_value(gd, g->code) : json_null());
	double observed = 0;
	for (unsigned w = 1; w < (1u << l->k); w++)
		observed += g->t.count[w];
	int shown = g->published && observed >= threshold;
	const char *status = !shown ? "suppressed" : g->rc < 0 ? "no_estimate" : "ok";
	int ok = shown && g->rc == 0;
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "observed", shown ? respond_count(observed) : json_null());
	json_object_set_new(o, "unseen", respond_num(ok ? g->r.unseen : NAN));
	json_object_set_new(o, "total", respond_num(ok ? g->r.total : NAN));
	json_object_set_new(o, "lower", respond_num(ok ? g->r.lower : NAN));
	json_object_set_new(o, "upper", respond_num(ok ? g->r.upper : NAN));
	json_object_set_new(o, "wald_lower", respond_num(ok ? g->r.wald_lower : NAN));
	json_object_set_new(o, "wald_upper", respond_num(ok ? g->r.wald_upper : NAN));
	json_object_set_new(o, "resamples", json_integer(ok ? g->r.resamples_used : 0));
	for (int q = 0; ok && q < g->r.model.npairs; q++)
		json_array_append_new(inter, json_pack("[ss]", l->name[g->r.model.pair[q][0]],
						       l->name[g->r.model.pair[q][1]]));
	for (int s = 0; ok && s < g->r.nsteps; s++)
		json_array_append_new(steps,
				      json_pack("{s:o,s:o}", "added",
						g->r.steps[s].a < 0
						    ? json_null()
						    : json_pack("[ss]", l->name[g->r.steps[s].a],
								l->name[g->r.steps[s].b]),
						criterion, respond_num(g->r.steps[s].criterion)));
	for (int w = 0; ok && w < g->r.nnotes; w++)
		warn(warnings, g->r.notes[w].code);
	if (ok && pooled && !g->code)
		warn(warnings, "A2007");
	if (shown && g->rc < 0)
		warn(warnings, g->e.code);
	json_object_set_new(o, "interactions", inter);
	json_object_set_new(o, "steps", steps);
	json_object_set_new(o, "warnings", warnings);
	return o;
}

/* The row of one estimate: the group (when split), then the numbers as estimate_json has
 * them, the interactions and warnings as text. */
static json_t *row_of(const struct dimension *d, const struct group *g, json_t *est)
{
	json_t *row = json_array();
	if (d)
		json_array_append_new(row, g->code ? respond_value(d, g->code) : json_null());
	static const char *const keys[] = {"observed", "unseen",     "total",	   "lower",
					   "upper",    "wald_lower", "wald_upper", "status"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_array_append(row, json_object_get(est, keys[i]));
	struct strbuf s;
	sb_init(&s);
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(est, "interactions"), i, v)
		sb_printf(&s, "%s%s*%s", i ? ";" : "", json_string_value(json_array_get(v, 0)),
			  json_string_value(json_array_get(v, 1)));
	json_array_append_new(row, json_string(s.len ? s.data : ""));
	sb_reset(&s);
	json_array_foreach (json_object_get(est, "warnings"), i, v) /* each once: warn() */
		sb_printf(&s, "%s%s", i ? ";" : "", json_string_value(json_object_get(v, "code")));
	json_array_append_new(row, json_string(s.len ? s.data : ""));
	sb_free(&s);
	return row;
}

void hidden_get(struct http_request *req, struct http_response *resp)
{
	struct respond_form form;
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	const char *dimension = http_query(req, "dimension");
	const char *criterion = http_query(req, "criterion");
	const char *dims[2];
	int ndims = 0;
	struct query q;
	struct answer a;
	struct lists l;
	if (respond_check(req, &form, resp) < 0)
		return;
	if (criterion && strcmp(criterion, "aic") != 0 && strcmp(criterion, "bic") != 0) {
		http_problem_param(resp, "Q1010", "unknown criterion", "criterion", "aic or bic");
		return;
	}
	if (!criterion)
		criterion = "aic";
	if (dimension) {
		/* NAME, or NAME:a;b (some of its items) */
		size_t len = strcspn(dimension, ":");
		int known = 0;
		for (int i = 0; strata[i]; i++)
			known |= strlen(strata[i]) == len && !strncmp(dimension, strata[i], len);
		if (!known) {
			http_problem_param(
			    resp, "Q1022", "the estimate is split by region, sex or age band only",
			    "dimension",
			    "region, sex or age_band (or some of its items: sex:female;male)");
			return;
		}
		dims[ndims++] = dimension;
	}
	dims[ndims++] = "sources";
	if (respond_refuse_filters(req, cut_filters, resp) < 0)
		return;
	lists_of(&srv->lists, &l);
	if (respond_query(req, &q, "victims", dims, ndims, "dimension", resp) < 0)
		return;
	if (respond_protect(req, &q, who, &a, resp) < 0) {
		respond_audit(req, &q, resp->status, NULL);
		return;
	}
	const struct dimension *gd = dimension ? q.dims[0].dim : NULL;
	/* More than one year pooled (A2007, on the whole table's estimate). */
	int pooled = !q.from_year || !q.to_year || q.from_year != q.to_year;
	char canonical[QUERY_TEXT_MAX + 32];
	snprintf(canonical, sizeof canonical, "hidden %s %s", criterion, q.canonical);
	if (respond_send_kept(srv, &form, canonical, &a, role_name(who->role), resp) == 0) {
		respond_audit(req, &q, 200, &a);
		answer_free(&a);
		return;
	}

	/* The groups: each item of the dimension, and all of them together (first). */
	size_t ng = 1;
	struct group *g = xcalloc(a.n + 2, sizeof *g);
	double var = noise_variance(srv->cfg), outside = 0;
	int outside_published = 0;
	for (size_t r = 0; r < a.n; r++) {
		const struct pcell *c = &a.cells[r];
		const char *code = gd ? c->values[0] : NULL;
		unsigned w = pattern_of(&l, c->values[ndims - 1]);
		size_t i = 0;
		if (gd) {
			for (i = 1; i < ng && !respond_same(g[i].code, code); i++)
				;
			if (i == ng)
				g[ng++].code = code;
		}
		double n = isfinite(c->noisy) ? c->noisy : 0;
		if (!w) { /* children of no listed source */
			outside += n;
			outside_published |= c->status != CELL_SUPPRESSED;
			continue;
		}
		/* A group's cell is its noisy count at 0 at least (a model counts children);
		 * the whole table's sums the groups' as they are, then the same: flooring each
		 * of hundreds of small cells first would add their noise's positive part. */
		g[i].t.count[w] += i ? (n > 0 ? n : 0) : n;
		g[i].published |= c->status != CELL_SUPPRESSED;
		if (i) {
			g[0].t.count[w] += n;
			g[0].published |= c->status != CELL_SUPPRESSED;
		}
	}
	for (unsigned w = 1; w < MSE_CELLS; w++)
		if (g[0].t.count[w] < 0)
			g[0].t.count[w] = 0;
	/* The whole table's cells are sums of the groups' (ng - 1 of them): their noise too. */
	double groups = gd ? (double)(ng - 1) : 1;
	for (size_t i = 0; i < ng; i++) {
		int whole = i == 0;
		g[i].t.k = l.k;
		g[i].o = (struct mse_options){
		    .criterion = strcmp(criterion, "bic") ? MSE_AIC : MSE_BIC,
		    .noise_scale = st_dlaplace_scale(var * (whole ? groups : 1)),
		    .resamples = whole ? HIDDEN_RESAMPLES : HIDDEN_GROUP_RESAMPLES,
		    .reselect = 1,
		    .seed = 1,
		    .conf = 0.95};
		int most = st_mse_max_resamples(l.k < MSE_MIN_LISTS ? MSE_MIN_LISTS : l.k, 1);
		if (g[i].o.resamples > most)
			g[i].o.resamples = most;
	}
	/* One estimate at a time: each takes every core for a second or more, and a token
	 * may ask the same cells in many spellings without paying again; a second meanwhile
	 * is a 503 with Retry-After. */
	static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;
	if (pthread_mutex_trylock(&one_at_a_time) != 0) {
		/* Busy: said at once, not a worker thread parked behind it (the table is paid
		 * for: asking again is free). */
		http_problem(resp, 503, "S2004", "another estimate is being fitted",
			     "Ask again in a few seconds: the table is already paid for.", NULL);
		resp->retry_after = 2;
		respond_audit(req, &q, resp->status, NULL);
		free(g);
		answer_free(&a);
		return;
	}
	fit_all(g, ng, &l);
	pthread_mutex_unlock(&one_at_a_time);

	json_t *headers = json_array(), *rows = json_array(), *items = json_object(),
	       *estimates = json_array(), *lists = json_array();
	static const char *const cols[] = {"observed",	   "unseen",	 "total",      "lower",
					   "upper",	   "wald_lower", "wald_upper", "status",
					   "interactions", "warnings"};
	if (gd)
		json_array_append_new(headers, json_pack("{s:s}", "name", gd->name));
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", cols[i]));
	const struct dimension *sd = q.dims[ndims - 1].dim;
	for (int j = 0; j < l.k; j++) {
		json_array_append_new(lists, json_string(l.name[j]));
		respond_add_label(items, srv, sd, l.name[j]);
	}
	for (size_t i = 0; i < ng; i++) {
		json_t *est = estimate_json(&g[i], gd, &l, criterion, srv->cfg->threshold, pooled);
		json_array_append_new(rows, row_of(gd, &g[i], est));
		if (gd && g[i].code)
			respond_add_label(items, srv, gd, g[i].code);
		json_array_append_new(estimates, est);
		if (g[i].rc == 0)
			st_mse_free(&g[i].r);
	}
	json_t *doc = json_pack(
	    "{s:o,s:o,s:o,s:o,s:s,s:o,s:o}", "indicator", respond_indicator(q.ind), "headers",
	    headers, "rows", rows, "estimates", estimates, "criterion", criterion, "lists", lists,
	    "metaData",
	    respond_meta(srv, &a, role_name(who->role), items,
			 "multiple-systems estimation: log-linear Poisson models of the noisy "
			 "counts of the sources' overlaps, two-source interactions chosen forward "
			 "by the criterion; parametric bootstrap interval (95%) carrying the noise "
			 "and the choice (docs/methods.md)"));
	json_object_set_new(doc, "dimension", gd ? json_string(gd->name) : json_null());
	json_object_set_new(doc, "outside_sources",
			    outside_published && outside >= srv->cfg->threshold
				? respond_count(outside)
				: json_null());
	respond_audit(req, &q, 200, &a);
	respond_send_keep(srv, &form, canonical, &a, role_name(who->role), doc, NULL, resp);
	free(g);
	answer_free(&a);
}
