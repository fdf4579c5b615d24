/* wiqaya-stats METHOD: one JSON object on stdin, one on stdout (stats.md's contract).
 * Bad input: exit 2 and a problem object {code, title, detail} on stderr. Methods are
 * rows of a const table; each row's function only maps JSON to the pure functions of
 * stats/ and back. An undefined number is null, with a note in "notes" saying why.
 * Over 600 lines because it holds one short mapping per method (fourteen of them), each
 * readable alone; split, they would only scatter the JSON helpers they share. */
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/xalloc.h"
#include "stats/glm.h"
#include "stats/limits.h"
#include "stats/mse.h"
#include "stats/nowcast.h"
#include "stats/padjust.h"
#include "stats/poisson.h"
#include "stats/proportion.h"
#include "stats/survey.h"
#include "stats/survival.h"
#include "stats/table.h"
#include "stats/trend.h"

#define VERSION "0.1.0"

struct method {
	const char *name, *summary;
	json_t *(*run)(json_t *in, struct wq_error *e);
};

/* ---- reading the input ---- */

/* A number field; def when absent (NAN: required). */
static int num(json_t *in, const char *key, double def, double *out, struct wq_error *e)
{
	json_t *v = json_object_get(in, key);
	if (!v || json_is_null(v)) {
		if (isnan(def))
			return err_set(e, "A1003", "missing field \"%s\"", key);
		*out = def;
		return 0;
	}
	if (!json_is_number(v))
		return err_set(e, "A1004", "field \"%s\" must be a number", key);
	*out = json_number_value(v);
	if (!isfinite(*out))
		return err_set(e, "A1004", "field \"%s\" must be finite", key);
	return 0;
}

static int conf_of(json_t *in, double *conf, struct wq_error *e)
{
	if (num(in, "conf", 0.95, conf, e) < 0)
		return -1;
	if (!(*conf > 0 && *conf < 1))
		return err_set(e, "A1001", "conf must be between 0 and 1");
	return 0;
}

/* Arrays hold at most ST_MAX_ROWS items (A1010). */
static int bounded(json_t *a, const char *key, struct wq_error *e)
{
	if (json_array_size(a) > ST_MAX_ROWS) {
		err_set(e, "A1010", "\"%s\" has more than %d items", key, ST_MAX_ROWS);
		err_detail(e, "docs/methods.md, Limits.");
		return -1;
	}
	return 0;
}

/* The array a, named key in messages, as numbers (caller frees); NULL with e set, or
 * NULL and *n = 0 when absent and optional. */
static double *nums_of(json_t *a, const char *key, int required, size_t *n, struct wq_error *e)
{
	*n = 0;
	if (!a || json_is_null(a)) {
		if (required)
			err_set(e, "A1003", "missing array \"%s\"", key);
		return NULL;
	}
	if (!json_is_array(a)) {
		err_set(e, "A1004", "\"%s\" must be an array of numbers", key);
		return NULL;
	}
	if (bounded(a, key, e) < 0)
		return NULL;
	double *v = xmalloc(sizeof(double) * (json_array_size(a) + 1));
	size_t i;
	json_t *x;
	json_array_foreach (a, i, x) {
		if (!json_is_number(x) || !isfinite(json_number_value(x))) {
			free(v);
			err_set(e, "A1004", "\"%s\" must hold only finite numbers (item %zu)", key,
				i);
			return NULL;
		}
		v[i] = json_number_value(x);
	}
	*n = json_array_size(a);
	if (*n == 0 && required) {
		free(v);
		err_set(e, "A1001", "\"%s\" is empty", key);
		return NULL;
	}
	return v;
}

static double *nums(json_t *in, const char *key, int required, size_t *n, struct wq_error *e)
{
	return nums_of(json_object_get(in, key), key, required, n, e);
}

/* The array a, named key, of labels (strata, cluster ids, factor levels): strings or
 * whole numbers, as R's survey takes either (apiclus1's dnum is an integer); 7 and "7"
 * are the same label. Borrowed from the JSON; the caller frees the array. */
static const char **strs_of(json_t *a, const char *key, size_t *n, struct wq_error *e)
{
	*n = 0;
	if (!a || json_is_null(a))
		return NULL;
	if (!json_is_array(a)) {
		err_set(e, "A1004", "\"%s\" must be an array of strings or whole numbers", key);
		return NULL;
	}
	if (bounded(a, key, e) < 0)
		return NULL;
	const char **v = xmalloc(sizeof(char *) * (json_array_size(a) + 1));
	size_t i;
	json_t *x;
	json_array_foreach (a, i, x) {
		if (json_is_integer(x)) {
			/* Stored back as its decimal string, which the input then owns. */
			char num[24];
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
			json_array_set_new(a, i, json_string(num));
			x = json_array_get(a, i);
		}
		if (!json_is_string(x)) {
			free(v);
			err_set(e, "A1004",
				"\"%s\" must hold only strings or whole numbers (item %zu)", key,
				i);
			return NULL;
		}
		v[i] = json_string_value(x);
	}
	*n = json_array_size(a);
	return v;
}

static const char **strs(json_t *in, const char *key, size_t *n, struct wq_error *e)
{
	return strs_of(json_object_get(in, key), key, n, e);
}

static const char *str(json_t *in, const char *key, const char *def)
{
	json_t *v = json_object_get(in, key);
	return json_is_string(v) ? json_string_value(v) : v ? NULL : def;
}

/* Looks NAME up in a NULL-terminated list; -1 with e set (A1005) naming the choices. */
static int choice(const char *name, const char *field, const char *const *choices,
		  struct wq_error *e)
{
	for (int i = 0; name && choices[i]; i++)
		if (strcmp(name, choices[i]) == 0)
			return i;
	char list[256] = "";
	for (int i = 0; choices[i]; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
			 choices[i]);
	err_set(e, "A1005", "unknown %s", field);
	err_detail(e, "One of: %s.", list);
	return -1;
}

static int same_length(size_t a, size_t b, const char *what, struct wq_error *e)
{
	if (a != b)
		return err_set(e, "A1001", "%s must have the same length (%zu and %zu)", what, a,
			       b);
	return 0;
}

/* ---- writing the output ---- */

/* A number, or null with a note when it is not finite. */
static void put(json_t *o, const char *key, double v, json_t *notes, const char *why)
{
	if (isfinite(v)) {
		json_object_set_new(o, key, json_real(v));
	} else {
		json_object_set_new(o, key, json_null());
		if (notes && why)
			json_array_append_new(notes, json_string(why));
	}
}

static json_t *interval(const struct interval *ci, json_t *notes, const char *why)
{
	json_t *o = json_object();
	put(o, "estimate", ci->estimate, notes, why);
	put(o, "lower", ci->lower, notes, NULL);
	put(o, "upper", ci->upper, notes, NULL);
	return o;
}

static json_t *finish(json_t *o, json_t *notes)
{
	if (json_array_size(notes)) {
		/* Distinct notes only. */
		json_t *u = json_array();
		size_t i, j;
		json_t *x, *y;
		json_array_foreach (notes, i, x) {
			int dup = 0;
			json_array_foreach (u, j, y)
				dup |= json_equal(x, y);
			if (!dup)
				json_array_append(u, x);
		}
		json_object_set_new(o, "notes", u);
	}
	json_decref(notes);
	return o;
}

static json_t *reals(const double *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, isfinite(v[i]) ? json_real(v[i]) : json_null());
	return a;
}

/* ---- methods ---- */

static json_t *run_proportion(json_t *in, struct wq_error *e)
{
	double x, n, conf;
	struct interval ci;
	enum prop_method m;
	if (st_prop_method(str(in, "method", "wilson"), &m) < 0) {
		choice(NULL, "method", st_prop_method_names, e); /* the error, naming each */
		return NULL;
	}
	if (num(in, "x", NAN, &x, e) < 0 || num(in, "n", NAN, &n, e) < 0 ||
	    conf_of(in, &conf, e) < 0 || st_proportion(x, n, conf, m, &ci, e) < 0)
		return NULL;
	return json_pack("{s:f,s:f,s:f}", "estimate", ci.estimate, "lower", ci.lower, "upper",
			 ci.upper);
}

static json_t *run_rate(json_t *in, struct wq_error *e)
{
	static const char *const methods[] = {"exact", "byar", NULL};
	double count, pop, per, conf, lo, hi;
	int m = choice(str(in, "method", "exact"), "method", methods, e);
	if (m < 0 || num(in, "count", NAN, &count, e) < 0 ||
	    num(in, "population", 0, &pop, e) < 0 || num(in, "per", 100000, &per, e) < 0 ||
	    conf_of(in, &conf, e) < 0)
		return NULL;
	json_t *pv = json_object_get(in, "population"); /* null is absent, as everywhere */
	if ((pv && !json_is_null(pv) && st_check_measure(pop, "population", e) < 0) ||
	    st_check_measure(per, "per", e) < 0)
		return NULL;
	if (st_poisson_limits(count, conf, (enum rate_method)m, &lo, &hi, e) < 0)
		return NULL;
	double scale = pop > 0 ? per / pop : 1;
	json_t *flags = json_array();
	if (count < 20)
		json_array_append_new(flags, json_string("unreliable"));
	if (count == 0)
		json_array_append_new(flags, json_string("zero_count"));
	if (m == RATE_BYAR && count < 10)
		json_array_append_new(flags, json_string("byar_below_10"));
	json_t *o = json_object();
	json_object_set_new(o, pop > 0 ? "rate" : "count", json_real(count * scale));
	json_object_set_new(o, "lower", json_real(lo * scale));
	json_object_set_new(o, "upper", json_real(hi * scale));
	json_object_set_new(o, "flags", flags);
	return o;
}

static json_t *run_dsr(json_t *in, struct wq_error *e)
{
	static const char *const methods[] = {"fay-feuer", "tiwari", "dobson", NULL};
	size_t nc, np, ns;
	double per, conf;
	struct dsr r;
	json_t *out = NULL;
	int m = choice(str(in, "method", "fay-feuer"), "method", methods, e);
	double *c = m < 0 ? NULL : nums(in, "counts", 1, &nc, e);
	double *p = c ? nums(in, "populations", 1, &np, e) : NULL;
	double *s = p ? nums(in, "standard", 1, &ns, e) : NULL;
	if (s && same_length(nc, np, "counts and populations", e) == 0 &&
	    same_length(nc, ns, "counts and standard", e) == 0 &&
	    num(in, "per", 100000, &per, e) == 0 && conf_of(in, &conf, e) == 0 &&
	    st_dsr(c, p, s, nc, per, conf, (enum dsr_method)m, &r, e) == 0)
		out = json_pack("{s:f,s:f,s:f,s:f}", "rate", r.rate, "lower", r.lower, "upper",
				r.upper, "crude", r.crude);
	free(c);
	free(p);
	free(s);
	return out;
}

static json_t *run_rate_ratio(json_t *in, struct wq_error *e)
{
	double x1, t1, x2, t2, conf;
	struct rate_ratio r;
	if (num(in, "count1", NAN, &x1, e) < 0 || num(in, "time1", NAN, &t1, e) < 0 ||
	    num(in, "count2", NAN, &x2, e) < 0 || num(in, "time2", NAN, &t2, e) < 0 ||
	    conf_of(in, &conf, e) < 0 || st_rate_ratio(x1, t1, x2, t2, conf, &r, e) < 0)
		return NULL;
	json_t *o = json_object(), *notes = json_array();
	put(o, "ratio", r.ratio, notes, "count2 is zero: the ratio is infinite");
	put(o, "lower", r.lower, notes, NULL);
	put(o, "upper", r.upper, notes, "count2 is zero: the upper limit is infinite");
	put(o, "p_value", r.p_value, notes, NULL);
	return finish(o, notes);
}

static int table_of(json_t *in, struct table2 *t, struct wq_error *e)
{
	return num(in, "a", NAN, &t->a, e) < 0 || num(in, "b", NAN, &t->b, e) < 0 ||
		       num(in, "c", NAN, &t->c, e) < 0 || num(in, "d", NAN, &t->d, e) < 0
		   ? -1
		   : 0;
}

static json_t *run_two_by_two(json_t *in, struct wq_error *e)
{
	struct table2 t;
	struct two_by_two r;
	double conf;
	if (table_of(in, &t, e) < 0 || conf_of(in, &conf, e) < 0 ||
	    st_two_by_two(&t, conf, &r, e) < 0)
		return NULL;
	json_t *o = json_object(), *notes = json_array(), *chi = json_object();
	json_object_set_new(
	    o, "risk_ratio",
	    interval(&r.risk_ratio, notes, "a zero cell: the risk ratio is undefined"));
	json_object_set_new(
	    o, "odds_ratio",
	    interval(&r.odds_ratio, notes, "a zero cell: Woolf's odds ratio is undefined"));
	json_object_set_new(o, "odds_ratio_exact",
			    interval(&r.odds_ratio_exact, notes,
				     r.exact_skipped ? NULL
						     : "the conditional MLE is infinite at the "
						       "edge of the support"));
	json_object_set_new(o, "risk_difference", interval(&r.risk_difference, notes, NULL));
	put(chi, "statistic", r.chi_square.statistic, notes, "an empty column: no chi-square");
	put(chi, "p_value", r.chi_square.p_value, notes, NULL);
	json_object_set_new(o, "chi_square", chi);
	put(o, "fisher_p_value", r.fisher_p_value, notes,
	    r.exact_skipped ? "the conditional support is too long for Fisher's test and the "
			      "exact odds ratio (docs/methods.md, Limits): use the chi-square"
			    : NULL);
	return finish(o, notes);
}

static json_t *run_mantel_haenszel(json_t *in, struct wq_error *e)
{
	json_t *a = json_object_get(in, "strata");
	double conf;
	struct mantel_haenszel r;
	if (!json_is_array(a) || json_array_size(a) == 0) {
		err_set(e, "A1003", "\"strata\" must be a non-empty array of {a, b, c, d}");
		return NULL;
	}
	size_t n = json_array_size(a), i;
	json_t *s;
	struct table2 *t = xmalloc(sizeof *t * n);
	json_array_foreach (a, i, s) {
		if (!json_is_object(s) || table_of(s, &t[i], e) < 0) {
			if (!err_is_set(e))
				err_set(e, "A1004", "stratum %zu must be an object {a, b, c, d}",
					i);
			free(t);
			return NULL;
		}
	}
	int rc = conf_of(in, &conf, e) < 0 ? -1 : st_mantel_haenszel(t, n, conf, &r, e);
	free(t);
	if (rc < 0)
		return NULL;
	json_t *o = json_object(), *notes = json_array(), *chi = json_object();
	json_object_set_new(
	    o, "odds_ratio",
	    interval(&r.odds_ratio, notes, "the MH odds ratio is undefined (zero sums)"));
	json_object_set_new(
	    o, "risk_ratio",
	    interval(&r.risk_ratio, notes, "the MH risk ratio is undefined (zero sums)"));
	put(chi, "statistic", r.chi_square.statistic, notes, "no variance: no chi-square");
	put(chi, "p_value", r.chi_square.p_value, notes, NULL);
	json_object_set_new(o, "chi_square", chi);
	return finish(o, notes);
}

static json_t *run_glm(json_t *in, struct wq_error *e)
{
	static const char *const families[] = {"binomial", "poisson", "quasipoisson",
					       "negative-binomial", NULL};
	int fam = choice(str(in, "family", NULL), "family", families, e);
	size_t n, nt = 0, no = 0, ncov = 0;
	double conf, *trials = NULL, *offset = NULL, *y = NULL;
	struct covariate *cov = NULL;
	double **colvals = NULL;
	const char ***facvals = NULL;
	json_t *out = NULL, *cols = json_object_get(in, "columns"),
	       *facs = json_object_get(in, "factors"), *refs = json_object_get(in, "reference");
	struct design d = {0};
	struct glm_fit f = {0};
	if (fam < 0 || conf_of(in, &conf, e) < 0 || !(y = nums(in, "y", 1, &n, e)))
		goto out;
	if ((json_object_get(in, "trials") && !(trials = nums(in, "trials", 1, &nt, e))) ||
	    (json_object_get(in, "offset") && !(offset = nums(in, "offset", 1, &no, e))))
		goto out;
	if ((trials && same_length(n, nt, "y and trials", e) < 0) ||
	    (offset && same_length(n, no, "y and offset", e) < 0))
		goto out;
	if ((cols && !json_is_object(cols)) || (facs && !json_is_object(facs)) ||
	    (refs && !json_is_object(refs))) {
		err_set(e, "A1004", "columns, factors and reference must be objects");
		goto out;
	}
	size_t total = json_object_size(cols) + json_object_size(facs);
	cov = xcalloc(total + 1, sizeof *cov);
	colvals = xcalloc(total + 1, sizeof *colvals);
	facvals = xcalloc(total + 1, sizeof *facvals);
	const char *key;
	json_t *v;
	/* Columns first, then factors, each in input order. */
	/* Each array is named in messages by its path (columns.age), and owned by the
	 * covariate list as soon as it exists, so that every exit frees it. */
	json_object_foreach (cols, key, v) {
		size_t m;
		char field[96];
		snprintf(field, sizeof field, "columns.%s", key);
		if (!(colvals[ncov] = nums_of(v, field, 1, &m, e)))
			goto out;
		cov[ncov] = (struct covariate){key, colvals[ncov], NULL, NULL};
		ncov++;
		if (same_length(n, m, "y and each column", e) < 0)
			goto out;
	}
	json_object_foreach (facs, key, v) {
		size_t m;
		char field[96];
		snprintf(field, sizeof field, "factors.%s", key);
		if (!(facvals[ncov] = strs_of(v, field, &m, e))) {
			if (!err_is_set(e))
				err_set(e, "A1003", "factor \"%s\" is null", key);
			goto out;
		}
		cov[ncov] = (struct covariate){key, NULL, facvals[ncov], str(refs, key, NULL)};
		ncov++;
		if (same_length(n, m, "y and each factor", e) < 0)
			goto out;
	}
	if (st_design(&d, n, cov, ncov, e) < 0 ||
	    st_glm((enum glm_family)fam, &d, y, trials, offset, conf, &f, e) < 0)
		goto out;
	json_t *coefs = json_array(), *notes = json_array();
	for (size_t j = 0; j < f.p; j++) {
		const struct glm_coef *c = &f.coef[j];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(d.names[j]));
		put(o, "estimate", c->estimate, notes, NULL);
		put(o, "std_error", c->std_error, notes, NULL);
		put(o, "statistic", c->statistic, notes, NULL);
		put(o, "p_value", c->p_value, notes, NULL);
		put(o, "lower", c->lower, notes, NULL);
		put(o, "upper", c->upper, notes, NULL);
		put(o, "exp_estimate", exp(c->estimate), notes, "exp(estimate) overflows");
		put(o, "exp_lower", exp(c->lower), notes, NULL);
		put(o, "exp_upper", exp(c->upper), notes, NULL);
		json_array_append_new(coefs, o);
	}
	out = json_object();
	json_object_set_new(out, "coefficients", coefs);
	put(out, "deviance", f.deviance, notes, NULL);
	put(out, "df_residual", f.df_residual, notes, NULL);
	put(out, "dispersion", f.dispersion, notes, NULL);
	if (fam == GLM_NEGBIN) {
		put(out, "theta", f.theta, notes, NULL);
		put(out, "theta_std_error", f.theta_se, notes, NULL);
	}
	put(out, "aic", f.aic, notes, "AIC is undefined under quasi-Poisson");
	json_object_set_new(out, "statistic_type", json_string(f.t_statistic ? "t" : "z"));
	json_object_set_new(out, "iterations", json_integer(f.iterations));
	out = finish(out, notes);
out:
	st_glm_free(&f);
	st_design_free(&d);
	for (size_t i = 0; i < ncov; i++) {
		free(colvals[i]);
		free(facvals[i]);
	}
	free(colvals);
	free(facvals);
	free(cov);
	free(y);
	free(trials);
	free(offset);
	return out;
}

static json_t *run_trend(json_t *in, struct wq_error *e)
{
	size_t ny, nv = 0, nc = 0, np = 0;
	double conf, *years = NULL, *values = NULL, *counts = NULL, *pops = NULL;
	struct trend t = {0};
	json_t *out = NULL;
	int rc = -1;
	if (conf_of(in, &conf, e) < 0 || !(years = nums(in, "years", 1, &ny, e)))
		goto out;
	if (json_object_get(in, "values")) {
		if ((values = nums(in, "values", 1, &nv, e)) &&
		    same_length(ny, nv, "years and values", e) == 0)
			rc = st_trend_rates(years, values, ny, conf, &t, e);
	} else if ((counts = nums(in, "counts", 1, &nc, e)) &&
		   (pops = nums(in, "populations", 1, &np, e)) &&
		   same_length(ny, nc, "years and counts", e) == 0 &&
		   same_length(ny, np, "years and populations", e) == 0) {
		rc = st_trend_counts(years, counts, pops, ny, conf, &t, e);
	}
	if (rc == 0) {
		json_t *notes = json_array();
		out = json_object();
		put(out, "apc", t.apc, notes, "the annual percent change overflows");
		put(out, "lower", t.lower, notes, NULL);
		put(out, "upper", t.upper, notes, NULL);
		put(out, "p_value", t.p_value, notes, NULL);
		put(out, "slope", t.slope, notes, NULL);
		put(out, "std_error", t.std_error, notes, NULL);
		out = finish(out, notes);
	}
out:
	free(years);
	free(values);
	free(counts);
	free(pops);
	return out;
}

static json_t *run_km(json_t *in, struct wq_error *e)
{
	static const char *const types[] = {"log", "log-log", "plain", NULL};
	size_t nt, ns, ng = 0;
	double conf, *time = NULL, *st = NULL;
	const char **group = NULL;
	int *status = NULL;
	struct km_result r = {0};
	json_t *out = NULL;
	int ci = choice(str(in, "conf_type", "log"), "conf_type", types, e);
	if (ci < 0 || conf_of(in, &conf, e) < 0 || !(time = nums(in, "time", 1, &nt, e)) ||
	    !(st = nums(in, "status", 1, &ns, e)) || same_length(nt, ns, "time and status", e) < 0)
		goto out;
	if (json_object_get(in, "group") &&
	    (!(group = strs(in, "group", &ng, e)) || same_length(nt, ng, "time and group", e) < 0))
		goto out;
	status = xmalloc(sizeof(int) * nt);
	for (size_t i = 0; i < nt; i++)
		status[i] = st[i] == 1 ? 1 : st[i] == 0 ? 0 : -1;
	if (st_km(time, status, group, nt, (enum km_ci)ci, conf, &r, e) < 0)
		goto out;
	json_t *groups = json_array(), *notes = json_array();
	for (size_t g = 0; g < r.ngroups; g++) {
		const struct km_curve *c = &r.groups[g];
		for (size_t i = 0; i < c->n; i++)
			if (!isfinite(c->lower[i]))
				json_array_append_new(notes,
						      json_string("no interval where S = 0"));
		json_array_append_new(
		    groups,
		    json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "name", c->name, "time",
			      reals(c->time, c->n), "n_risk", reals(c->n_risk, c->n), "n_event",
			      reals(c->n_event, c->n), "survival", reals(c->survival, c->n),
			      "std_error", reals(c->std_error, c->n), "lower",
			      reals(c->lower, c->n), "upper", reals(c->upper, c->n)));
	}
	out = json_object();
	json_object_set_new(out, "groups", groups);
	if (r.ngroups > 1) {
		json_t *lr = json_object();
		put(lr, "chi_square", r.chi_square, notes, "the log-rank variance is singular");
		put(lr, "df", r.df, notes, NULL);
		put(lr, "p_value", r.p_value, notes, NULL);
		json_object_set_new(out, "logrank", lr);
	} else {
		json_object_set_new(out, "logrank", json_null());
		json_array_append_new(notes, json_string("one group: no log-rank test"));
	}
	out = finish(out, notes);
out:
	st_km_free(&r);
	free(time);
	free(st);
	free(status);
	free(group);
	return out;
}

static json_t *run_survey(json_t *in, struct wq_error *e)
{
	static const char *const methods[] = {"korn-graubard", "logit", "wald", NULL};
	size_t ny, nw, ns = 0, nc = 0;
	double conf, *y = NULL, *w = NULL;
	const char **strata = NULL, **clusters = NULL;
	struct survey_prop r;
	json_t *out = NULL;
	int m = choice(str(in, "method", "korn-graubard"), "method", methods, e);
	if (m < 0 || conf_of(in, &conf, e) < 0 || !(y = nums(in, "y", 1, &ny, e)) ||
	    !(w = nums(in, "weights", 1, &nw, e)) || same_length(ny, nw, "y and weights", e) < 0)
		goto out;
	if ((json_object_get(in, "strata") && (!(strata = strs(in, "strata", &ns, e)) ||
					       same_length(ny, ns, "y and strata", e) < 0)) ||
	    (json_object_get(in, "clusters") && (!(clusters = strs(in, "clusters", &nc, e)) ||
						 same_length(ny, nc, "y and clusters", e) < 0)))
		goto out;
	if (st_survey_proportion(y, w, strata, clusters, ny, (enum survey_ci)m, conf, &r, e) < 0)
		goto out;
	json_t *notes = json_array();
	out = json_object();
	put(out, "estimate", r.estimate, notes, NULL);
	put(out, "std_error", r.std_error, notes, NULL);
	put(out, "design_effect", r.design_effect, notes, "p is 0 or 1: no design effect");
	put(out, "df", r.df, notes, NULL);
	put(out, "n_effective", r.n_effective, notes, NULL);
	put(out, "lower", r.lower, notes, NULL);
	put(out, "upper", r.upper, notes, NULL);
	out = finish(out, notes);
out:
	free(y);
	free(w);
	free(strata);
	free(clusters);
	return out;
}

static json_t *run_p_adjust(json_t *in, struct wq_error *e)
{
	static const char *const methods[] = {"holm", "bh", "by", "bonferroni", NULL};
	size_t n;
	int m = choice(str(in, "method", "holm"), "method", methods, e);
	double *p = m < 0 ? NULL : nums(in, "p", 1, &n, e);
	if (!p)
		return NULL;
	double *adj = xmalloc(sizeof(double) * n);
	json_t *out = NULL;
	if (st_p_adjust(p, n, (enum padjust_method)m, adj, e) == 0)
		out = json_pack("{s:o}", "adjusted", reals(adj, n));
	free(p);
	free(adj);
	return out;
}

/* The parametric bootstrap's options (mse, nowcast): noise_scale, the discrete Laplace
 * scale of the published cells (0 to 1,000); resamples (0 to 10,000; by default 1,000, or
 * MOST when the method allows fewer); seed (a whole number from 1). */
static int bootstrap_of(json_t *in, int most, double *noise, int *resamples, unsigned long *seed,
			struct wq_error *e)
{
	double n, s;
	if (num(in, "noise_scale", 0, noise, e) < 0 ||
	    num(in, "resamples", most < 1000 ? most : 1000, &n, e) < 0 ||
	    num(in, "seed", 1, &s, e) < 0)
		return -1;
	if (!(n >= 0 && n <= 10000 && n == floor(n)) ||
	    !(s >= 1 && s == floor(s) && s < 4294967296.0) || !(*noise >= 0 && *noise <= 1000))
		return err_set(
		    e, "A1001",
		    "resamples (0 to 10,000), seed (a whole number from 1) or noise_scale "
		    "(0 to 1,000) out of range");
	*resamples = (int)n;
	*seed = (unsigned long)s;
	return 0;
}

/* Multiple-systems estimation: {lists: [names], cells: [{lists: [names], count}],
 * criterion, interactions (a model given), noise_scale, resamples, reselect, seed, conf}. */
static int list_index(json_t *names, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach (names, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
			return (int)i;
	return -1;
}

/* The pattern of a list of names (bit j: list j), or -1 with e set naming what. */
static int pattern_of(json_t *names, json_t *of, const char *what, struct wq_error *e)
{
	if (!json_is_array(of))
		return err_set(e, "A1004", "%s must be an array of list names", what);
	int w = 0;
	size_t i;
	json_t *v;
	json_array_foreach (of, i, v) {
		int j = json_is_string(v) ? list_index(names, json_string_value(v)) : -1;
		if (j < 0)
			return err_set(e, "A1001", "%s names a list that is not in \"lists\"",
				       what);
		if (w >> j & 1)
			return err_set(e, "A1001", "%s names list %s twice", what,
				       json_string_value(v));
		w |= 1 << j;
	}
	return w;
}

static json_t *run_mse(json_t *in, struct wq_error *e)
{
	static const char *const criteria[] = {"aic", "bic", NULL};
	json_t *names = json_object_get(in, "lists"), *cells = json_object_get(in, "cells"),
	       *given = json_object_get(in, "interactions");
	struct mse_table t = {0};
	struct mse_model fixed = {0};
	struct mse_options o = {0};
	const char *name[MSE_MAX_LISTS];
	if (!json_is_array(names) || !json_is_array(cells))
		return err_set(e,
			       json_object_get(in, "lists") && json_object_get(in, "cells")
				   ? "A1004"
				   : "A1003",
			       "\"lists\" (their names) and \"cells\" (a count for each pattern) "
			       "are required arrays"),
		       NULL;
	size_t k = json_array_size(names);
	if (k < MSE_MIN_LISTS || k > MSE_MAX_LISTS) {
		err_set(e, "A1001", "multiple-systems estimation takes %d to %d lists, not %zu",
			MSE_MIN_LISTS, MSE_MAX_LISTS, k);
		err_detail(
		    e, "Group the sources into a few lists (config/sources.csv): each must be a "
		       "source a child can appear in, or not, independently of the others.");
		return NULL;
	}
	t.k = (int)k;
	for (size_t j = 0; j < k; j++) {
		json_t *v = json_array_get(names, j);
		if (!json_is_string(v) || !json_string_length(v) ||
		    list_index(names, json_string_value(v)) != (int)j)
			return err_set(e, "A1001", "the lists must be distinct names"), NULL;
		name[j] = json_string_value(v);
	}
	int given_w[MSE_CELLS] = {0};
	size_t i;
	json_t *c;
	if (bounded(cells, "cells", e) < 0)
		return NULL;
	json_array_foreach (cells, i, c) {
		char what[48];
		snprintf(what, sizeof what, "cells[%zu].lists", i);
		int w = pattern_of(names, json_object_get(c, "lists"), what, e);
		double n;
		if (w < 0)
			return NULL;
		if (w == 0)
			return err_set(e, "A1001",
				       "cells[%zu] names no list: the unseen are what is estimated",
				       i),
			       NULL;
		if (given_w[w]++)
			return err_set(e, "A1001", "cells[%zu] gives a pattern given before", i),
			       NULL;
		snprintf(what, sizeof what, "cells[%zu].count", i);
		if (num(c, "count", NAN, &n, e) < 0 || st_check_count(n, what, e) < 0)
			return NULL;
		t.count[w] = n;
	}
	if (given && !json_is_null(given)) {
		if (!json_is_array(given) || json_array_size(given) > MSE_MAX_PAIRS)
			return err_set(e, "A1004",
				       "\"interactions\" must be an array of pairs of list names"),
			       NULL;
		json_array_foreach (given, i, c) {
			char what[48];
			snprintf(what, sizeof what, "interactions[%zu]", i);
			int w = pattern_of(names, c, what, e);
			if (w < 0)
				return NULL;
			if (__builtin_popcount((unsigned)w) != 2)
				return err_set(e, "A1001", "%s must name two lists", what), NULL;
			fixed.pair[fixed.npairs][0] = (unsigned char)__builtin_ctz((unsigned)w);
			fixed.pair[fixed.npairs][1] =
			    (unsigned char)(31 - __builtin_clz((unsigned)w));
			fixed.npairs++;
		}
		o.fixed = &fixed;
	}
	int crit = choice(str(in, "criterion", "aic"), "criterion", criteria, e);
	json_t *reselect = json_object_get(in, "reselect");
	if (reselect && !json_is_boolean(reselect))
		return err_set(e, "A1004", "field \"reselect\" must be true or false"), NULL;
	o.reselect = !reselect || json_is_true(reselect);
	/* 1,000 resamples by default, or as many as the lists allow (six lists choosing the
	 * model again: about 200). */
	int most = st_mse_max_resamples((int)k, o.reselect && !o.fixed);
	if (crit < 0 || conf_of(in, &o.conf, e) < 0 ||
	    bootstrap_of(in, most, &o.noise_scale, &o.resamples, &o.seed, e) < 0)
		return NULL;
	o.criterion = crit;
	struct mse_result r;
	if (st_mse(&t, name, &o, &r, e) < 0)
		return NULL;
	json_t *out = json_object(), *notes = json_array(), *inter = json_array(),
	       *coefs = json_array(), *steps = json_array(), *warnings = json_array();
	for (int q = 0; q < r.model.npairs; q++)
		json_array_append_new(
		    inter, json_pack("[ss]", name[r.model.pair[q][0]], name[r.model.pair[q][1]]));
	json_object_set_new(out, "interactions", inter);
	json_object_set_new(out, "chosen_by", json_string(o.fixed ? "given" : criteria[crit]));
	for (int s = 0; s < r.nsteps; s++) {
		json_t *st = json_object();
		json_object_set_new(
		    st, "added",
		    r.steps[s].a < 0 ? json_null()
				     : json_pack("[ss]", name[r.steps[s].a], name[r.steps[s].b]));
		put(st, criteria[crit], r.steps[s].criterion, notes, NULL);
		json_array_append_new(steps, st);
	}
	json_object_set_new(out, "steps", steps);
	put(out, "observed", r.observed, notes, NULL);
	put(out, "unseen", r.unseen, notes, NULL);
	put(out, "total", r.total, notes, NULL);
	put(out, "lower", r.lower, notes,
	    "no bootstrap interval (resamples 0, or fewer than 20 fitted)");
	put(out, "upper", r.upper, notes, NULL);
	json_object_set_new(out, "resamples", json_integer(r.resamples_used));
	json_object_set_new(
	    out, "interval",
	    json_string(r.resamples_used == 0 ? "none"
			: o.fixed || !o.reselect
			    ? "parametric bootstrap, the model kept"
			    : "parametric bootstrap, the model chosen again in each resample"));
	put(out, "wald_lower", r.wald_lower, notes, NULL);
	put(out, "wald_upper", r.wald_upper, notes, NULL);
	for (size_t j = 0; j < r.fit.p; j++) {
		json_t *co = json_object();
		json_object_set_new(co, "name", json_string(r.design.names[j]));
		put(co, "estimate", r.fit.coef[j].estimate, notes, NULL);
		put(co, "std_error", r.fit.coef[j].std_error, notes, NULL);
		json_array_append_new(coefs, co);
	}
	json_object_set_new(out, "coefficients", coefs);
	put(out, "deviance", r.fit.deviance, notes, NULL);
	put(out, "df_residual", r.fit.df_residual, notes, NULL);
	put(out, "aic", r.aic, notes, NULL);
	put(out, "bic", r.bic, notes, NULL);
	for (int w = 0; w < r.nnotes; w++)
		json_array_append_new(warnings, json_pack("{ssss}", "code", r.notes[w].code, "text",
							  r.notes[w].text));
	json_object_set_new(out, "warnings", warnings);
	st_mse_free(&r);
	return finish(out, notes);
}

/* Nowcast of late reports: {triangle: [[counts by delay] per period, oldest first; a row
 * ends where its observation does], periods (labels), noise_scale, resamples, seed, conf,
 * provisional_below}. */
static json_t *run_nowcast(json_t *in, struct wq_error *e)
{
	json_t *tri = json_object_get(in, "triangle"), *labels = json_object_get(in, "periods");
	struct nowcast_input ni = {0};
	if (!tri)
		return err_set(e, "A1003", "missing array \"triangle\""), NULL;
	if (!json_is_array(tri) || (labels && !json_is_array(labels)))
		return err_set(e, "A1004",
			       "\"triangle\" must be an array of arrays of counts, \"periods\" an "
			       "array"),
		       NULL;
	size_t T = json_array_size(tri), D = json_is_array(json_array_get(tri, 0))
						 ? json_array_size(json_array_get(tri, 0))
						 : 0;
	if (T < 2 || D < 2 || T > NOWCAST_MAX_PERIODS || D > NOWCAST_MAX_DELAYS)
		return err_set(e, "A1001",
			       "a reporting triangle of 2 to %d periods and 2 to %d delays (the "
			       "first row the longest), not %zu x %zu",
			       NOWCAST_MAX_PERIODS, NOWCAST_MAX_DELAYS, T, D),
		       NULL;
	if (labels && json_array_size(labels) != T)
		return err_set(e, "A1001",
			       "\"periods\" must label each row of the triangle (%zu, not %zu)", T,
			       json_array_size(labels)),
		       NULL;
	double *counts = xmalloc(sizeof(double) * T * D);
	for (size_t t = 0; t < T; t++) {
		json_t *row = json_array_get(tri, t);
		if (!json_is_array(row) || json_array_size(row) > D) {
			free(counts);
			return err_set(e, "A1004",
				       "triangle[%zu] must be an array of at most %zu counts", t,
				       D),
			       NULL;
		}
		for (size_t d = 0; d < D; d++) {
			json_t *v = json_array_get(row, d);
			if (v && !json_is_null(v) && !json_is_number(v)) {
				free(counts);
				return err_set(e, "A1004",
					       "triangle[%zu][%zu] must be a count or null", t, d),
				       NULL;
			}
			counts[t * D + d] = v && !json_is_null(v) ? json_number_value(v) : NAN;
		}
	}
	ni.periods = T;
	ni.delays = D;
	ni.counts = counts;
	if (conf_of(in, &ni.conf, e) < 0 ||
	    bootstrap_of(in, st_nowcast_max_resamples(T, D), &ni.noise_scale, &ni.resamples,
			 &ni.seed, e) < 0 ||
	    num(in, "provisional_below", 0.95, &ni.provisional_below, e) < 0) {
		free(counts);
		return NULL;
	}
	struct nowcast_result r;
	int rc = st_nowcast(&ni, &r, e);
	free(counts);
	if (rc < 0)
		return NULL;
	json_t *out = json_object(), *notes = json_array(), *rows = json_array();
	for (size_t t = 0; t < T; t++) {
		const struct nowcast_period *p = &r.period[t];
		json_t *o = json_object();
		json_t *label = labels ? json_array_get(labels, t) : NULL;
		json_object_set_new(o, "period",
				    label ? json_incref(label) : json_integer((json_int_t)t + 1));
		put(o, "observed", p->observed, notes, NULL);
		put(o, "estimate", p->estimate, notes, NULL);
		put(o, "lower", p->lower, notes,
		    "no bootstrap interval (resamples 0, or fewer than 20 fitted)");
		put(o, "upper", p->upper, notes, NULL);
		put(o, "completeness", p->completeness, notes, NULL);
		json_object_set_new(o, "provisional", json_boolean(p->provisional));
		json_array_append_new(rows, o);
	}
	json_object_set_new(out, "periods", rows);
	json_object_set_new(out, "delay_share", reals(r.delay_share, D));
	put(out, "deviance", r.deviance, notes, NULL);
	put(out, "df_residual", r.df_residual, notes, NULL);
	put(out, "dispersion", r.dispersion, notes,
	    "no dispersion: as many parameters as observed cells");
	json_object_set_new(out, "resamples", json_integer(r.resamples_used));
	st_nowcast_free(&r);
	return finish(out, notes);
}

static const struct method methods[] = {
    {"proportion", "binomial proportion: Wilson, Clopper-Pearson, Agresti-Coull, Wald",
     run_proportion},
    {"rate", "count or crude rate: exact Poisson (Garwood) or Byar, with reliability flags",
     run_rate},
    {"dsr", "directly age-standardised rate: Fay-Feuer, Tiwari, Dobson", run_dsr},
    {"rate-ratio", "exact conditional rate ratio with p-value (poisson.test)", run_rate_ratio},
    {"two-by-two",
     "2x2 table: RR (Katz), OR (Woolf, conditional MLE), RD (Newcombe), "
     "chi-square, Fisher",
     run_two_by_two},
    {"mantel-haenszel", "stratified 2x2: MH odds ratio (RBG), risk ratio, chi-square",
     run_mantel_haenszel},
    {"glm", "GLM by IRLS: binomial, poisson, quasipoisson, negative-binomial", run_glm},
    {"trend", "annual percent change: log-linear on rates or Poisson on counts", run_trend},
    {"km", "Kaplan-Meier (Greenwood; log, log-log, plain) and log-rank", run_km},
    {"survey-proportion", "design-based proportion: strata, clusters, weights, Korn-Graubard",
     run_survey},
    {"p-adjust", "p-value adjustment: Holm, BH, BY, Bonferroni", run_p_adjust},
    {"mse",
     "multiple-systems estimation: log-linear models of 2-6 lists' overlaps, AIC/BIC, bootstrap",
     run_mse},
    {"nowcast",
     "late reports: chain ladder (the Poisson delay model) with an over-dispersed bootstrap",
     run_nowcast},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: wiqaya-stats METHOD < input.json > output.json\n\nmethods:\n");
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		fprintf(f, "  %-18s %s\n", methods[i].name, methods[i].summary);
	fprintf(f, "\nconf defaults to 0.95. exit status: 0 result on stdout, 2 bad input "
		   "(problem object on stderr)\nsee docs/methods.md\n");
}

/* stdin, at most ST_MAX_INPUT bytes (A1010 past it: a 200 MB input would otherwise
 * cost gigabytes as JSON), parsed; NULL with jerr set when it is not JSON. */
static json_t *read_input(json_error_t *jerr, struct wq_error *e)
{
	size_t cap = ST_MAX_INPUT + 1, len = 0, got;
	char *buf = xmalloc(cap);
	while (len < cap && (got = fread(buf + len, 1, cap - len, stdin)) > 0)
		len += got;
	if (len > ST_MAX_INPUT) {
		free(buf);
		err_set(e, "A1010", "the input is larger than %u bytes", ST_MAX_INPUT);
		err_detail(e, "docs/methods.md, Limits.");
		return NULL;
	}
	json_t *in = json_loadb(buf, len, JSON_REJECT_DUPLICATES, jerr);
	free(buf);
	return in;
}

static int problem(const struct wq_error *e)
{
	/* A method that fails without saying why is a bug; it still never exits 2 with an
	 * empty title. */
	json_t *p = e->code[0] ? json_pack("{s:s,s:s}", "code", e->code, "title", e->message)
			       : json_pack("{s:s,s:s}", "code", "A1002", "title",
					   "the result could not be computed");
	if (e->detail[0])
		json_object_set_new(p, "detail", json_string(e->detail));
	char *s = json_dumps(p, JSON_COMPACT);
	fprintf(stderr, "%s\n", s);
	free(s);
	json_decref(p);
	return 2;
}

int main(int argc, char **argv)
{
	struct wq_error e;
	json_error_t jerr;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("wiqaya-stats %s\n", VERSION);
		return 0;
	}
	/* GSL's default handler aborts; every result is checked instead. */
	gsl_set_error_handler_off();
	err_clear(&e);
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (strcmp(argv[1], methods[i].name) != 0)
			continue;
		json_t *in = read_input(&jerr, &e);
		if (err_is_set(&e))
			return problem(&e);
		if (!in || !json_is_object(in)) {
			err_set(&e, "A1000", "the input is not a JSON object");
			if (!in)
				err_detail(&e, "%s (line %d, column %d).", jerr.text, jerr.line,
					   jerr.column);
			json_decref(in);
			return problem(&e);
		}
		json_t *out = methods[i].run(in, &e);
		json_decref(in);
		if (!out)
			return problem(&e);
		char *s = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));
		printf("%s\n", s);
		free(s);
		json_decref(out);
		return 0;
	}
	err_set(&e, "A1005", "unknown method");
	err_detail(&e, "wiqaya-stats --help lists the methods.");
	return problem(&e);
}
