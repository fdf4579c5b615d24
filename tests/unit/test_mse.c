/* Multiple-systems estimation (stats/mse.c) on planted populations: children of a known
 * number, each seen by four lists with known probabilities, two of them dependent (a
 * child list A saw is more likely to be seen by B, as a police force refers children to
 * a service); the table of what the lists saw, noised as the server publishes it
 * (discrete Laplace, b = 2, floored at 0). The estimate must find the dependence and
 * its interval cover the planted total at about its level, over many seeds. Known
 * answers against R are tests/stats/mse.ndjson (tests/stats/mse.R). */
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

#include "stats/mse.h"

#define POPULATIONS 60
#define CHILDREN    2000
#define RESAMPLES   200
#define NOISE_B	    2.0

static const char *const names[] = {"A", "B", "C", "D"};

/* One planted population's published table: P(A) 0.25; P(B) 0.45 when A saw the child,
 * 0.2 otherwise; P(C) 0.3; P(D) 0.2; every cell noised. */
static void plant(gsl_rng *g, struct mse_table *t)
{
	memset(t, 0, sizeof *t);
	t->k = 4;
	for (int i = 0; i < CHILDREN; i++) {
		int a = gsl_rng_uniform(g) < 0.25;
		int b = gsl_rng_uniform(g) < (a ? 0.45 : 0.2);
		int c = gsl_rng_uniform(g) < 0.3;
		int d = gsl_rng_uniform(g) < 0.2;
		t->count[a | b << 1 | c << 2 | d << 3]++;
	}
	double p = 1 - exp(-1.0 / NOISE_B);
	for (int w = 1; w < 16; w++) {
		double noise = (double)gsl_ran_geometric(g, p) - (double)gsl_ran_geometric(g, p);
		t->count[w] = fmax(0, t->count[w] + noise);
	}
	t->count[0] = 0;
}

/* Coverage over POPULATIONS planted populations, the model chosen again in each
 * resample or not; the figures printed; whether the dependence was found in each. */
static int coverage(int populations, int resamples, int reselect, int *found)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 29);
	int covered = 0, fitted = 0;
	double width = 0, bias = 0;
	*found = 0;
	for (int s = 0; s < populations; s++) {
		struct mse_table t;
		plant(g, &t);
		struct mse_options o = {.criterion = MSE_AIC,
					.noise_scale = NOISE_B,
					.resamples = resamples,
					.reselect = reselect,
					.seed = (unsigned long)s + 1,
					.conf = 0.95};
		struct mse_result r;
		struct wq_error e = {0};
		if (st_mse(&t, names, &o, &r, &e) < 0) {
			print_message("population %d: %s %s\n", s, e.code, e.message);
			continue;
		}
		fitted++;
		covered += r.lower <= CHILDREN && CHILDREN <= r.upper;
		width += r.upper - r.lower;
		bias += r.total - CHILDREN;
		for (int q = 0; q < r.model.npairs; q++)
			*found += r.model.pair[q][0] == 0 && r.model.pair[q][1] == 1;
		st_mse_free(&r);
	}
	gsl_rng_free(g);
	printf("# figure: MSE on %d planted populations of %d children (4 lists, A and B "
	       "dependent, noise b = %g), %d resamples, the model %s: the 95%% interval covers "
	       "the planted total in %d (%.0f%%), mean width %.0f, mean error of the estimate "
	       "%+.1f; the A:B dependence chosen in %d\n",
	       populations, CHILDREN, NOISE_B, resamples,
	       reselect ? "chosen again in each" : "kept", covered, 100.0 * covered / populations,
	       width / fitted, bias / fitted, *found);
	assert_int_equal(fitted, populations);
	return covered;
}

/* The interval that chooses the model again covers at its level; the one that keeps the
 * chosen model is narrower and covers less (the choice's own uncertainty is left out). */
static void planted_totals_are_covered(void **state)
{
	(void)state;
	int found;
	int honest = coverage(POPULATIONS, RESAMPLES, 1, &found);
	assert_true(honest >= 92 * POPULATIONS / 100);
	assert_true(found >= 95 * POPULATIONS / 100);
	int kept = coverage(POPULATIONS, RESAMPLES, 0, &found);
	assert_true(kept >= 80 * POPULATIONS / 100 && kept <= honest);
}

/* Ignoring the dependence (the main effects alone) misses the total: the planted
 * dependence is what the selection is for. */
static void ignoring_the_dependence_misses(void **state)
{
	(void)state;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 30);
	int covered = 0;
	struct mse_model none = {0};
	for (int s = 0; s < 40; s++) {
		struct mse_table t;
		plant(g, &t);
		struct mse_options o = {.criterion = MSE_AIC,
					.fixed = &none,
					.noise_scale = NOISE_B,
					.resamples = 200,
					.seed = (unsigned long)s + 1,
					.conf = 0.95};
		struct mse_result r;
		struct wq_error e = {0};
		assert_int_equal(st_mse(&t, names, &o, &r, &e), 0);
		covered += r.lower <= CHILDREN && CHILDREN <= r.upper;
		st_mse_free(&r);
	}
	gsl_rng_free(g);
	printf("# figure: the main effects alone cover the planted total in %d of 40\n", covered);
	assert_true(covered < 20);
}

/* The same table and seed, the same interval: a published estimate is sticky. */
static void the_same_table_gives_the_same_answer(void **state)
{
	(void)state;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 31);
	struct mse_table t;
	plant(g, &t);
	gsl_rng_free(g);
	struct mse_options o = {.criterion = MSE_AIC,
				.noise_scale = NOISE_B,
				.resamples = RESAMPLES,
				.reselect = 1,
				.seed = 7,
				.conf = 0.95};
	struct mse_result a, b;
	struct wq_error e = {0};
	assert_int_equal(st_mse(&t, names, &o, &a, &e), 0);
	assert_int_equal(st_mse(&t, names, &o, &b, &e), 0);
	assert_true(a.total == b.total && a.lower == b.lower && a.upper == b.upper);
	st_mse_free(&a);
	st_mse_free(&b);
}

/* A model whose estimate does not exist (two lists sharing children, and nothing else to
 * bound them) is refused, not answered with an astronomical number. */
static void a_model_without_an_estimate_is_refused(void **state)
{
	(void)state;
	struct mse_table t = {3, {0, 40, 30, 6, 20}};
	struct mse_model ab = {1, {{0, 1}}};
	struct mse_options o = {.criterion = MSE_AIC, .fixed = &ab, .seed = 1, .conf = 0.95};
	struct mse_result r;
	struct wq_error e = {0};
	assert_int_equal(st_mse(&t, names, &o, &r, &e), -1);
	assert_string_equal(e.code, "A1007");
	/* Chosen by AIC instead, the pair is left out and the independence model answers. */
	o.fixed = NULL;
	assert_int_equal(st_mse(&t, names, &o, &r, &e), 0);
	assert_int_equal(r.model.npairs, 0);
	st_mse_free(&r);
}

int main(void)
{
	gsl_set_error_handler_off();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(planted_totals_are_covered),
	    cmocka_unit_test(ignoring_the_dependence_misses),
	    cmocka_unit_test(the_same_table_gives_the_same_answer),
	    cmocka_unit_test(a_model_without_an_estimate_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
