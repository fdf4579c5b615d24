/* Disclosure arithmetic (stats/disclosure.c) and the cell definitions of the query layer:
 * the discrete Laplace draw has the distribution and variance it claims; the PRF is
 * deterministic under one key and different under another; suppression follows the rules;
 * the same cell reached through different queries has one definition; and the
 * noise-aware intervals cover the truth in 94-96% of simulated replications (attack test
 * 6 of docs/privacy.md; the simulation's own random numbers come from GSL, which the
 * server never uses for noise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/codelist.h"
#include "common/strbuf.h"
#include "server/indicator.h"
#include "server/query.h"
#include "stats/disclosure.h"

static const uint8_t key_a[32] = {1, 2, 3}, key_b[32] = {9, 9, 9};

static void draw_has_the_discrete_laplace_distribution(void **state)
{
	(void)state;
	const double b = 2, p = exp(-1.0 / b);
	const long n = 1000000;
	long counts[41] = {0};
	double sum = 0, sq = 0;
	for (long i = 0; i < n; i++) {
		long v = dl_draw(dl_uniform(key_a, &i, sizeof i), b);
		sum += (double)v;
		sq += (double)(v * v);
		if (v >= -20 && v <= 20)
			counts[v + 20]++;
	}
	double mean = sum / (double)n, var = sq / (double)n - mean * mean;
	printf("# figure: discrete Laplace b=2 over 1e6 PRF draws: mean %.4f, variance %.3f "
	       "(theory 0, %.3f)\n",
	       mean, var, dl_variance(b));
	assert_true(fabs(mean) < 0.02);
	assert_true(fabs(var - dl_variance(b)) < 0.08);
	assert_true(fabs(dl_variance(2) - 7.83) < 0.01);
	for (int k = -5; k <= 5; k++) {
		double want = (1 - p) / (1 + p) * pow(p, fabs((double)k));
		double got = (double)counts[k + 20] / (double)n;
		assert_true(fabs(got - want) < 5 * sqrt(want * (1 - want) / (double)n));
	}
}

static void prf_is_sticky_and_keyed(void **state)
{
	(void)state;
	const char msg[] = "victims|n|sex=female&year=2020|1234";
	assert_true(dl_uniform(key_a, msg, sizeof msg) == dl_uniform(key_a, msg, sizeof msg));
	assert_true(dl_uniform(key_a, msg, sizeof msg) != dl_uniform(key_b, msg, sizeof msg));
	assert_true(dl_uniform(key_a, msg, sizeof msg) != dl_uniform(key_a, msg, sizeof msg - 2));
	double u = dl_uniform(key_a, msg, sizeof msg);
	assert_true(u > 0 && u < 1);
}

static void suppression_rules(void **state)
{
	(void)state;
	struct suppression s = {5, 10};
	assert_false(dl_published(&s, 4, 30)); /* true count below the floor */
	assert_false(dl_published(&s, 0, 12)); /* a true zero */
	assert_false(dl_published(&s, 12, 9)); /* noisy count below the threshold */
	assert_true(dl_published(&s, 12, 10));
	assert_int_equal(dl_noisy(3, -7), 0);
	assert_int_equal(dl_noisy(30, -7), 23);
	assert_true(dl_count_unreliable(19));
	assert_false(dl_count_unreliable(20));
}

/* The model's real code lists and indicators, for the cell definitions. */
static struct codelists lists;
static struct indicators inds;

static int setup(void **state)
{
	struct wq_error e;
	(void)state;
	return codelists_load(&lists, "config/codelists", &e) < 0 ||
		       indicators_load(&inds, "config/indicators.json", &e) < 0
		   ? -1
		   : 0;
}

static int teardown(void **state)
{
	(void)state;
	indicators_free(&inds);
	codelists_free(&lists);
	return 0;
}

static char *definition(const char *const *dims, int nd, const char *const *filters, int nf,
			const char *from, const char *to, const char *const *values)
{
	struct query q;
	struct wq_error e;
	unsigned status;
	struct query_text t = {"victims", dims, nd, filters, nf, from, to};
	assert_int_equal(query_parse(&q, &inds, &lists, &t, &status, &e), 0);
	struct strbuf sb;
	sb_init(&sb);
	query_cell_definition(&q, values, 2015, 2025, &sb);
	return sb.data;
}

static void one_cell_one_definition(void **state)
{
	(void)state;
	/* Girls of 2020 in DC-01: by sex filtered on the year and region, by year and sex
	 * filtered on the region, by region, sex and year in another order. */
	const char *d1[] = {"sex"}, *f1[] = {"year:2020", "region:DC-01"}, *v1[] = {"female"};
	const char *d2[] = {"year", "sex"}, *f2[] = {"region:DC-01"}, *v2[] = {"2020", "female"};
	const char *d3[] = {"region", "sex", "year:2020"}, *v3[] = {"DC-01", "female", "2020"};
	char *a = definition(d1, 1, f1, 2, NULL, NULL, v1);
	char *b = definition(d2, 2, f2, 1, NULL, NULL, v2);
	char *c = definition(d3, 3, NULL, 0, NULL, NULL, v3);
	assert_string_equal(a, "region=DC-01&sex=female&year=2020");
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	/* A different set of children is a different definition. */
	const char *f4[] = {"year:2020", "region:DC-01;DC-02"};
	char *d = definition(d1, 1, f4, 2, NULL, NULL, v1);
	assert_string_not_equal(a, d);
	free(a);
	free(b);
	free(c);
	free(d);
}

/* The spellings of one cell that each gave fresh noise before (issue 24): a from earlier
 * than the data, a repeated item, a year as a filter, a column, or from/to, a redundant
 * filter. Data of 2015-2025. */
static void equivalent_spellings_one_definition(void **state)
{
	(void)state;
	const char *reg[] = {"region"}, *v[] = {"DC-03"}, *vy[] = {"DC-03", "2020"};
	const char *f_a[] = {"migrant_status:asylum_seeker"}; /* any filter: a cell of 13 regions */
	const char *f_y[] = {"year:2020", "migrant_status:asylum_seeker"};
	const char *f_yy[] = {"year:2020;2020", "migrant_status:asylum_seeker;asylum_seeker"};
	const char *f_r[] = {"region:DC-03", "year:2020", "migrant_status:asylum_seeker"};
	const char *dy[] = {"region", "year:2020"}, *dy2[] = {"year:2020", "region"};
	const char *vy2[] = {"2020", "DC-03"};
	char *s[8] = {
	    definition(reg, 1, f_a, 1, "2020", "2020", v),
	    definition(reg, 1, f_y, 2, NULL, NULL, v),
	    definition(reg, 1, f_yy, 2, NULL, NULL, v),
	    definition(reg, 1, f_r, 3, NULL, NULL, v),
	    definition(dy, 2, f_a, 1, NULL, NULL, vy),
	    definition(dy2, 2, f_a, 1, "1990", "2030", vy2),
	    definition(reg, 1, f_y, 2, "2010", "2020", v),
	    definition(reg, 1, f_y, 2, "2020", NULL, v),
	};
	for (int i = 0; i < 8; i++) {
		assert_string_equal(s[i], "migrant_status=asylum_seeker&region=DC-03&year=2020");
		free(s[i]);
	}
	/* A filter listing every item of a column that is never null is no filter. */
	const char *f_all[] = {"sex:female;male;intersex;unknown"};
	char *every = definition(reg, 1, f_all, 1, "2020", "2020", v);
	assert_string_equal(every, "region=DC-03&year=2020");
	free(every);
	/* A column listing every item is the column: the whole table's definition too. */
	const char *dall[] = {"sex:female;male;intersex;unknown"}, *dsex1[] = {"sex"};
	char *t1 = definition(dall, 1, NULL, 0, NULL, NULL, NULL);
	char *t2 = definition(dsex1, 1, NULL, 0, NULL, NULL, NULL);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	/* The whole period, however asked, is the data's span as runs. */
	const char *dsex[] = {"sex"}, *vs[] = {"female"};
	char *all = definition(dsex, 1, NULL, 0, NULL, NULL, vs);
	char *wide = definition(dsex, 1, NULL, 0, "1990", "2099", vs);
	const char *gap[] = {"year:2015;2016;2017;2019"};
	char *runs = definition(dsex, 1, gap, 1, NULL, NULL, vs);
	assert_string_equal(all, "sex=female&year=2015-2025");
	assert_string_equal(all, wide);
	assert_string_equal(runs, "sex=female&year=2015-2017,2019");
	free(all);
	free(wide);
	free(runs);
}

/* Coverage of the noise-aware intervals: N replications of a Poisson count with mean lam
 * plus noise, among those published, the share whose interval holds lam. */
static double count_coverage(gsl_rng *r, double lam, int N, int *published)
{
	struct suppression s = {5, 10};
	int hit = 0;
	*published = 0;
	for (int i = 0; i < N; i++) {
		long c = (long)gsl_ran_poisson(r, lam);
		long x = dl_noisy(c, dl_draw(gsl_rng_uniform_pos(r), 2));
		double lo, hi;
		if (!dl_published(&s, c, x) ||
		    dl_count_interval((double)x, dl_variance(2), 0.95, &lo, &hi) < 0)
			continue;
		(*published)++;
		hit += lo <= lam && lam <= hi;
	}
	return (double)hit / *published;
}

static double proportion_coverage(gsl_rng *r, double pi, int n, int N)
{
	int hit = 0, used = 0;
	for (int i = 0; i < N; i++) {
		long x = (long)gsl_ran_binomial(r, pi, (unsigned)n);
		long xn = dl_noisy(x, dl_draw(gsl_rng_uniform_pos(r), 2));
		long nn = dl_noisy(n, dl_draw(gsl_rng_uniform_pos(r), 2));
		struct interval ci;
		if (x < 5 || xn < 10 || nn <= 0)
			continue;
		if (dl_proportion_interval((double)(xn < nn ? xn : nn), (double)nn, dl_variance(2),
					   0.95, &ci) < 0)
			continue;
		used++;
		hit += ci.lower <= pi && pi <= ci.upper;
	}
	return (double)hit / used;
}

static void intervals_cover_the_truth(void **state)
{
	(void)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 20261201);
	const double lams[] = {15, 30, 60, 150, 500, 2000};
	const int N = 20000;
	for (size_t i = 0; i < sizeof lams / sizeof lams[0]; i++) {
		int pub;
		double cov = count_coverage(r, lams[i], N, &pub);
		printf("# figure: count interval coverage at mean %g: %.4f (%d published of %d)\n",
		       lams[i], cov, pub, N);
		/* Garwood's exact limits over-cover by construction (discreteness), and the
		 * quadrature sum is conservative at small means: above 96% is allowed. */
		assert_true(cov >= 0.94 && cov <= 0.985);
	}
	const double pis[] = {0.1, 0.3, 0.5};
	const int ns[] = {100, 400, 2000};
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 3; j++) {
			double cov = proportion_coverage(r, pis[i], ns[j], N);
			printf("# figure: proportion interval coverage at p %.1f, n %d: %.4f (%d "
			       "replications)\n",
			       pis[i], ns[j], cov, N);
			assert_true(cov >= 0.94 && cov <= 0.985);
		}
	gsl_rng_free(r);
}

int main(void)
{
	gsl_set_error_handler_off();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(draw_has_the_discrete_laplace_distribution),
	    cmocka_unit_test(prf_is_sticky_and_keyed),
	    cmocka_unit_test(suppression_rules),
	    cmocka_unit_test(one_cell_one_definition),
	    cmocka_unit_test(equivalent_spellings_one_definition),
	    cmocka_unit_test(intervals_cover_the_truth),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
