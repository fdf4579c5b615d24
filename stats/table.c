/* 2x2 and stratified 2x2 tables (see table.h). References: Katz et al., Biometrics 1978;
 * Woolf, Ann Hum Genet 1955; Newcombe, Stat Med 1998 (method 10); Fisher 1935 and R's
 * fisher.test for the conditional MLE and its exact interval; Robins, Breslow & Greenland,
 * Biometrics 1986; Greenland & Robins, Biometrics 1985. */
#include "stats/table.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>

#include "stats/limits.h"
#include "stats/quantile.h"

double st_chisq_p(double statistic, double df)
{
	return gsl_cdf_chisq_Q(statistic, df);
}

static int check(const struct table2 *t, struct wq_error *e)
{
	const double v[4] = {t->a, t->b, t->c, t->d};
	for (int i = 0; i < 4; i++)
		if (st_check_count(v[i], "a cell", e) < 0)
			return -1;
	if (t->a + t->b == 0 || t->c + t->d == 0)
		return err_set(e, "A1001", "an exposure group is empty");
	return 0;
}

/* The conditional distribution of a given the margins: support lo..hi, log dhyper up to
 * a constant. Counts reach ST_MAX_COUNT, so the support's ends are whole numbers held in
 * doubles (exact below 2^53) and the log-probabilities come from the ratio of successive
 * terms, (m - x)(k - x) / ((x + 1)(n - k + x + 1)), which never forms a binomial
 * coefficient of the margins. */
struct hyper {
	double lo, hi;
	double *logd; /* index x - lo, normalised: the probabilities sum to 1 */
};

/* Returns 0, or -1 when the support is too long for the exact methods. */
static int hyper_init(struct hyper *h, const struct table2 *t)
{
	double m = t->a + t->c, n = t->b + t->d, k = t->a + t->b;
	h->lo = k - n > 0 ? k - n : 0;
	h->hi = k < m ? k : m;
	if (h->hi - h->lo + 1 > ST_MAX_EXACT)
		return -1;
	size_t len = (size_t)(h->hi - h->lo) + 1;
	h->logd = malloc(sizeof(double) * len);
	h->logd[0] = 0;
	double top = 0, total = 0;
	for (size_t i = 1; i < len; i++) {
		double x = h->lo + (double)(i - 1);
		h->logd[i] =
		    h->logd[i - 1] + log(m - x) + log(k - x) - log(x + 1) - log(n - k + x + 1);
		top = h->logd[i] > top ? h->logd[i] : top;
	}
	for (size_t i = 0; i < len; i++)
		total += exp(h->logd[i] - top);
	for (size_t i = 0; i < len; i++)
		h->logd[i] -= top + log(total);
	return 0;
}

/* Noncentral hypergeometric with odds ratio exp(lpsi): mean, or tail P(X >= x) (upper)
 * / P(X <= x). Computed with a log-sum-exp shift for stability. */
static double hyper_nc(const struct hyper *h, double lpsi, int what, double x)
{
	size_t len = (size_t)(h->hi - h->lo) + 1;
	double mx = -INFINITY;
	/* Offsets from lo keep i * lpsi small where the counts are large. */
	for (size_t j = 0; j < len; j++) {
		double l = h->logd[j] + (double)j * lpsi;
		mx = l > mx ? l : mx;
	}
	double total = 0, acc = 0;
	for (size_t j = 0; j < len; j++) {
		double i = h->lo + (double)j, w = exp(h->logd[j] + (double)j * lpsi - mx);
		total += w;
		if (what == 0)
			acc += (double)j * w;
		else if (what == 1 && i >= x)
			acc += w;
		else if (what == 2 && i <= x)
			acc += w;
	}
	return what == 0 ? h->lo + acc / total : acc / total;
}

struct nc_target {
	const struct hyper *h;
	int what;
	double x, target;
};

static double nc_fn(double lpsi, void *arg)
{
	const struct nc_target *t = arg;
	return hyper_nc(t->h, lpsi, t->what, t->x) - t->target;
}

/* Solves for log psi on a widening bracket; NAN when no root (an infinite bound). */
static double solve_lpsi(struct nc_target *t)
{
	gsl_function f = {nc_fn, t};
	double lo = -1, hi = 1;
	for (int i = 0; i < 60 && nc_fn(lo, t) * nc_fn(hi, t) > 0; i++) {
		lo *= 2;
		hi *= 2;
	}
	if (nc_fn(lo, t) * nc_fn(hi, t) > 0)
		return NAN;
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	gsl_root_fsolver_set(s, &f, lo, hi);
	double r = NAN;
	for (int i = 0; i < 300; i++) {
		gsl_root_fsolver_iterate(s);
		r = gsl_root_fsolver_root(s);
		if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s),
					   1e-14, 0) == GSL_SUCCESS)
			break;
	}
	gsl_root_fsolver_free(s);
	return r;
}

static void fisher(const struct table2 *t, double conf, struct two_by_two *out)
{
	struct hyper h;
	double a = t->a, alpha = 1 - conf;
	if (hyper_init(&h, t) < 0) {
		/* Past ST_MAX_EXACT values the exact methods are not computed (the caller
		 * notes why); the chi-square is then as good an answer. */
		out->fisher_p_value = NAN;
		out->odds_ratio_exact = (struct interval){NAN, NAN, NAN};
		out->exact_skipped = 1;
		return;
	}
	out->exact_skipped = 0;

	/* Two-sided p: sum of probabilities not above P(a) (1 + 1e-7), as fisher.test. */
	size_t len = (size_t)(h.hi - h.lo) + 1;
	double da = h.logd[(size_t)(a - h.lo)], p = 0;
	for (size_t j = 0; j < len; j++)
		if (h.logd[j] <= da + log1p(1e-7))
			p += exp(h.logd[j]);
	out->fisher_p_value = p > 1 ? 1 : p;

	/* Conditional MLE: E[X | psi] = a; 0 or infinite at the support's ends. */
	struct nc_target tg = {&h, 0, 0, a};
	out->odds_ratio_exact.estimate = a == h.lo   ? 0
					 : a == h.hi ? INFINITY
						     : exp(solve_lpsi(&tg));
	/* Exact limits: P(X >= a | psi) = alpha/2 and P(X <= a | psi) = alpha/2. */
	struct nc_target lo = {&h, 1, a, alpha / 2}, hi = {&h, 2, a, alpha / 2};
	out->odds_ratio_exact.lower = a == h.lo ? 0 : exp(solve_lpsi(&lo));
	out->odds_ratio_exact.upper = a == h.hi ? INFINITY : exp(solve_lpsi(&hi));
	free(h.logd);
}

/* Wilson score limits for x/n (Newcombe's building block). */
static void wilson(double x, double n, double z, double *l, double *u)
{
	double p = x / n, z2 = z * z;
	double centre = (x + z2 / 2) / (n + z2);
	double half = z * sqrt(n) / (n + z2) * sqrt(p * (1 - p) + z2 / (4 * n));
	*l = centre - half;
	*u = centre + half;
}

int st_two_by_two(const struct table2 *t, double conf, struct two_by_two *out, struct wq_error *e)
{
	if (check(t, e) < 0)
		return -1;
	if (!(conf > 0 && conf < 1))
		return err_set(e, "A1001", "conf must be between 0 and 1");
	double a = t->a, b = t->b, c = t->c, d = t->d, n1 = a + b, n0 = c + d, n = n1 + n0;
	double z = st_normal_quantile(1 - (1 - conf) / 2);

	/* Katz: log RR +/- z sqrt(1/a - 1/n1 + 1/c - 1/n0). */
	double rr = (a / n1) / (c / n0);
	double se_rr = sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0);
	out->risk_ratio = (a == 0 || c == 0)
			      ? (struct interval){c == 0 ? NAN : 0, NAN, NAN}
			      : (struct interval){rr, rr * exp(-z * se_rr), rr * exp(z * se_rr)};
	/* Woolf: log OR +/- z sqrt(1/a + 1/b + 1/c + 1/d). */
	double or_ = a * d / (b * c), se_or = sqrt(1 / a + 1 / b + 1 / c + 1 / d);
	out->odds_ratio = (a == 0 || b == 0 || c == 0 || d == 0)
			      ? (struct interval){NAN, NAN, NAN}
			      : (struct interval){or_, or_ * exp(-z * se_or), or_ * exp(z * se_or)};
	/* Newcombe method 10: RD -/+ sqrt of squared distances to the Wilson limits. */
	double p1 = a / n1, p0 = c / n0, l1, u1, l0, u0;
	wilson(a, n1, z, &l1, &u1);
	wilson(c, n0, z, &l0, &u0);
	double rd = p1 - p0;
	out->risk_difference =
	    (struct interval){rd, rd - sqrt((p1 - l1) * (p1 - l1) + (u0 - p0) * (u0 - p0)),
			      rd + sqrt((u1 - p1) * (u1 - p1) + (p0 - l0) * (p0 - l0))};
	/* Pearson chi-square, no continuity correction. */
	double m1 = a + c, m0 = b + d;
	if (m1 == 0 || m0 == 0) {
		out->chi_square = (struct test){NAN, NAN};
	} else {
		double x2 = n * (a * d - b * c) * (a * d - b * c) / (n1 * n0 * m1 * m0);
		out->chi_square = (struct test){x2, st_chisq_p(x2, 1)};
	}
	fisher(t, conf, out);
	return 0;
}

int st_mantel_haenszel(const struct table2 *s, size_t k, double conf, struct mantel_haenszel *out,
		       struct wq_error *e)
{
	double R = 0, S = 0, PR = 0, PSQR = 0, QS = 0, rr_num = 0, rr_den = 0, rr_var = 0;
	double sum_a = 0, sum_e = 0, sum_v = 0;
	size_t used = 0;
	if (k == 0)
		return err_set(e, "A1001", "no strata");
	for (size_t i = 0; i < k; i++) {
		const double v[4] = {s[i].a, s[i].b, s[i].c, s[i].d};
		for (int j = 0; j < 4; j++)
			if (st_check_count(v[j], "a cell", e) < 0)
				return -1;
		double a = s[i].a, b = s[i].b, c = s[i].c, d = s[i].d, n = a + b + c + d;
		if (n < 2)
			continue; /* a stratum of fewer than two carries no information */
		used++;
		double r = a * d / n, sv = b * c / n, p = (a + d) / n, q = (b + c) / n;
		R += r;
		S += sv;
		PR += p * r;
		PSQR += p * sv + q * r;
		QS += q * sv;
		double n1 = a + b, n0 = c + d, m1 = a + c, m0 = b + d;
		rr_num += a * n0 / n;
		rr_den += c * n1 / n;
		rr_var += (m1 * n1 * n0 - a * c * n) / (n * n);
		sum_a += a;
		sum_e += n1 * m1 / n;
		sum_v += n1 * n0 * m1 * m0 / (n * n * (n - 1));
	}
	if (used == 0)
		return err_set(e, "A1001", "every stratum has fewer than two subjects");
	double z = st_normal_quantile(1 - (1 - conf) / 2);
	if (R > 0 && S > 0) {
		double or_ = R / S;
		double se = sqrt(PR / (2 * R * R) + PSQR / (2 * R * S) + QS / (2 * S * S));
		out->odds_ratio = (struct interval){or_, or_ * exp(-z * se), or_ * exp(z * se)};
	} else {
		out->odds_ratio = (struct interval){S > 0 ? 0 : NAN, NAN, NAN};
	}
	if (rr_num > 0 && rr_den > 0) {
		double rr = rr_num / rr_den, se = sqrt(rr_var / (rr_num * rr_den));
		out->risk_ratio = (struct interval){rr, rr * exp(-z * se), rr * exp(z * se)};
	} else {
		out->risk_ratio = (struct interval){NAN, NAN, NAN};
	}
	if (sum_v > 0) {
		/* As mantelhaen.test: the 0.5 correction only when |sum a - sum E| >= 0.5. */
		double delta = fabs(sum_a - sum_e), dev = delta - (delta >= 0.5 ? 0.5 : 0);
		double x2 = dev * dev / sum_v;
		out->chi_square = (struct test){x2, st_chisq_p(x2, 1)};
	} else {
		out->chi_square = (struct test){NAN, NAN};
	}
	return 0;
}
