/* GET /api/v1/trends: an indicator's yearly series per group of one dimension, and each
 * group's annual percent change with its interval and p-value. The series is one
 * protected table (year x group); the APC is fitted to its published numbers only, so it
 * discloses nothing the table does not:
 *  - a rate: Poisson regression of the noisy counts on year with the log population as
 *    offset (SEER*Stat's APC); a count: the same without offset;
 *  - a proportion, or an age-standardised rate: the log-linear least-squares fit of the
 *    values on year (Joinpoint without a joinpoint), t with n - 2 df.
 * With standardise=age, each (group, year) value is the directly standardised rate over
 * the age bands (Fay-Feuer interval) against a standard population of config/ (the WHO
 * world standard unless standard= names another). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "server/respond.h"
#include "server/routes.h"
#include "stats/trend.h"

/* One group's series: its cells in year order. */
struct series {
	const char *group; /* the group's code; NULL: the null group, or no dimension */
	size_t n;
	double years[256], value[256], lower[256], upper[256], num[256], den[256];
	enum cell_status status[256];
};

/* Where in the (standardised) table the year and the group are. */
struct layout {
	int year, group; /* group -1: absent */
};

/* The series of group, added when new (s has room for every group of the table). */
static struct series *series_of(struct series *s, size_t *ns, const char *group)
{
	for (size_t i = 0; i < *ns; i++)
		if (respond_same(group, s[i].group))
			return &s[i];
	memset(&s[*ns], 0, sizeof s[0]);
	s[*ns].group = group;
	return &s[(*ns)++];
}

static void add_point(struct series *s, double year, double value, double lower, double upper,
		      double num, double den, enum cell_status status)
{
	if (s->n == 256)
		return;
	size_t i = s->n++;
	s->years[i] = year;
	s->value[i] = value;
	s->lower[i] = lower;
	s->upper[i] = upper;
	s->num[i] = num;
	s->den[i] = den;
	s->status[i] = status;
}

/* The series straight from the cells (no standardisation). */
static size_t plain_series(const struct answer *a, struct layout l, struct series *s)
{
	size_t ns = 0;
	for (size_t r = 0; r < a->n; r++) {
		const struct pcell *c = &a->cells[r];
		struct series *g = series_of(s, &ns, l.group >= 0 ? c->values[l.group] : NULL);
		add_point(g, atof(c->values[l.year]), c->value, c->lower, c->upper, c->num, c->den,
			  c->status);
	}
	return ns;
}

/* The APC of one series, or a note saying why there is none. */
static json_t *apc_of(const struct series *s, const struct indicator *ind, int standardised)
{
	double years[256], y[256], pop[256];
	size_t n = 0;
	int loglinear = standardised || ind->type == IND_PROPORTION;
	for (size_t i = 0; i < s->n; i++) {
		if (!isfinite(s->num[i]) || s->status[i] == CELL_SUPPRESSED ||
		    s->status[i] == CELL_NO_DENOMINATOR)
			continue;
		if (loglinear && !(s->value[i] > 0))
			continue;
		years[n] = s->years[i];
		y[n] = loglinear ? s->value[i] : s->num[i] < 0 ? 0 : s->num[i];
		pop[n++] = ind->type == IND_RATE ? s->den[i] : 1;
	}
	struct trend t;
	struct wq_error e;
	int rc = loglinear ? st_trend_rates(years, y, n, 0.95, &t, &e)
			   : st_trend_counts(years, y, pop, n, 0.95, &t, &e);
	json_t *o = json_object();
	json_object_set_new(o, "years_used", json_integer((json_int_t)n));
	json_object_set_new(
	    o, "model",
	    json_string(loglinear ? "log-linear least squares on the values, t with n - 2 df"
			: ind->type == IND_RATE
			    ? "Poisson regression of the counts on year, log population offset"
			    : "Poisson regression of the counts on year"));
	if (rc < 0) {
		json_object_set_new(o, "apc", json_null());
		json_object_set_new(o, "lower", json_null());
		json_object_set_new(o, "upper", json_null());
		json_object_set_new(o, "p_value", json_null());
		json_object_set_new(o, "note",
				    json_pack("{s:s,s:s}", "code", e.code, "title", e.message));
		return o;
	}
	json_object_set_new(o, "apc", respond_num(t.apc));
	json_object_set_new(o, "lower", respond_num(t.lower));
	json_object_set_new(o, "upper", respond_num(t.upper));
	json_object_set_new(o, "p_value", respond_num(t.p_value));
	json_object_set_new(o, "note", json_null());
	return o;
}

static const char *const measures[] = {"value",	    "lower",	   "upper",
				       "numerator", "denominator", "cell_status"};

void trends_get(struct http_request *req, struct http_response *resp)
{
	struct respond_form form;
	const struct server *srv = http_app(req);
	const struct principal *who = http_principal(req);
	const char *dimension = http_query(req, "dimension");
	const char *dims[3] = {"year"};
	int ndims = 1;
	const struct standard *st;
	struct query q;
	struct answer a;
	if (respond_check(req, &form, resp) < 0 || respond_standard(req, &st, resp) < 0)
		return;
	int standardise = st != NULL;
	if (dimension) {
		size_t len = strcspn(dimension, ":");
		if ((len == 4 && !strncmp(dimension, "year", 4)) ||
		    (standardise && len == 8 && !strncmp(dimension, "age_band", 8))) {
			http_problem(resp, 409, "Q1016",
				     "a trend's groups cannot be its years or, standardised, its "
				     "age bands",
				     NULL, "Choose another dimension, or none.");
			return;
		}
		dims[ndims++] = dimension;
	}
	if (standardise)
		dims[ndims++] = "age_band";
	if (respond_query(req, &q, http_query(req, "indicator"), dims, ndims, "dimension", resp) <
	    0)
		return;
	if (standardise && q.ind->type != IND_RATE) {
		http_problem(resp, 409, "Q1017", "only a rate can be age-standardised", NULL,
			     "standardise=age applies to victim_rate.");
		return;
	}
	struct layout l = {0, dimension ? 1 : -1};
	if (respond_protect(req, &q, who, &a, resp) < 0) {
		respond_audit(req, &q, resp->status, NULL);
		return;
	}
	if (standardise) {
		/* The age band (the last column) collapsed into one DSR per (year, group). */
		struct answer raw = a;
		standard_apply(st, &raw, ndims, q.ind->per, &a);
		answer_free(&raw);
	}
	/* The table holds every combination, year outermost: its groups are the cells of
	 * the first year. */
	size_t groups = 0;
	for (size_t r = 0; r < a.n; r++)
		groups += respond_same(a.cells[r].values[0], a.cells[0].values[0]);
	struct series *s = xcalloc(groups + 1, sizeof *s);
	size_t ns = plain_series(&a, l, s);

	const struct dimension *gd = dimension ? q.dims[1].dim : NULL;
	json_t *headers = json_array(), *rows = json_array(), *items = json_object(),
	       *trends = json_array();
	if (gd)
		json_array_append_new(headers, json_pack("{s:s}", "name", gd->name));
	json_array_append_new(headers, json_pack("{s:s}", "name", "year"));
	for (size_t i = 0; i < sizeof measures / sizeof measures[0]; i++)
		json_array_append_new(headers, json_pack("{s:s}", "name", measures[i]));
	for (size_t g = 0; g < ns; g++) {
		for (size_t i = 0; i < s[g].n; i++) {
			json_t *row = json_array();
			if (gd)
				json_array_append_new(row, respond_value(gd, s[g].group));
			json_array_append_new(row, json_integer((json_int_t)s[g].years[i]));
			json_array_append_new(row, respond_num(s[g].value[i]));
			json_array_append_new(row, respond_num(s[g].lower[i]));
			json_array_append_new(row, respond_num(s[g].upper[i]));
			json_array_append_new(row, respond_count(s[g].num[i]));
			json_array_append_new(row, respond_count(s[g].den[i]));
			json_array_append_new(row, json_string(cell_status_name(s[g].status[i])));
			json_array_append_new(rows, row);
		}
		json_t *t = apc_of(&s[g], q.ind, standardise);
		if (gd) {
			json_object_set_new(t, gd->name, respond_value(gd, s[g].group));
			respond_add_label(items, srv, gd, s[g].group);
		}
		json_array_append_new(trends, t);
	}
	json_t *doc = json_pack(
	    "{s:o,s:o,s:o,s:o,s:o}", "indicator", respond_indicator(q.ind), "headers", headers,
	    "rows", rows, "trends", trends, "metaData",
	    respond_meta(srv, &a, role_name(who->role), items,
			 standardise ? "directly age-standardised rates per 100,000 (Fay-Feuer "
				       "interval, 95%) over noisy band counts; APC by log-linear "
				       "least squares (docs/methods.md)"
			 : q.ind->type == IND_PROPORTION
			     ? "noisy counts (discrete Laplace); Wilson intervals widened by the "
			       "noise; APC by log-linear least squares (docs/methods.md)"
			     : "noisy counts (discrete Laplace); exact Poisson intervals widened "
			       "by the noise; APC by Poisson regression (docs/methods.md)"));
	json_object_set_new(doc, "dimension", gd ? json_string(gd->name) : json_null());
	json_object_set_new(doc, "standardised",
			    standardise
				? json_pack("{s:s,s:s,s:s,s:s}", "by", "age_band", "standard",
					    st->id, "name", st->name, "source", st->source)
				: json_null());
	respond_audit(req, &q, 200, &a);
	respond_send(&form, doc, resp);
	free(s);
	answer_free(&a);
}
