/* The nowcast (stats/nowcast.c) on planted delays: monthly reports of abuse with a known
 * delay distribution (most within a few months, some a year late), observed up to a data
 * end, every published cell noised (discrete Laplace, b = 2). The nowcast of the last,
 * incomplete months must cover their planted totals at about its level over many seeds,
 * and the published chain-ladder reserve of Taylor & Ashe's triangle must come out.
 * Known answers against R are tests/stats/nowcast.ndjson (tests/stats/nowcast.R). */
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

#include "stats/nowcast.h"

#define SEEDS	 100
#define PERIODS	 24
#define DELAYS	 12
#define RECENT	 6 /* the months checked: the last, the least complete */
#define NOISE_B	 2.0
#define EXPECTED 300.0

/* The planted delay distribution: 35% reported in the month of abuse, then decaying, 3%
 * a year late. */
static const double delay[DELAYS] = {0.35, 0.2,	 0.12,	0.08, 0.06,  0.05,
				     0.04, 0.03, 0.025, 0.02, 0.015, 0.03};

static void planted_months_are_covered(void **state)
{
	(void)state;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 29);
	int covered = 0, checked = 0, flagged = 0;
	double width = 0, err = 0;
	double p = 1 - exp(-1.0 / NOISE_B);
	for (int s = 0; s < SEEDS; s++) {
		double counts[PERIODS * DELAYS], truth[PERIODS] = {0};
		for (int t = 0; t < PERIODS; t++)
			for (int d = 0; d < DELAYS; d++) {
				/* Reports rise 2% a month, as a series might. */
				double y =
				    (double)gsl_ran_poisson(g, EXPECTED * pow(1.02, t) * delay[d]);
				truth[t] += y;
				counts[t * DELAYS + d] =
				    t + d < PERIODS ? fmax(0, y + (double)gsl_ran_geometric(g, p) -
								  (double)gsl_ran_geometric(g, p))
						    : NAN;
			}
		struct nowcast_input in = {
		    PERIODS, DELAYS, counts, NOISE_B, 400, (unsigned long)s + 1, 0.95, 0.95};
		struct nowcast_result r;
		struct wq_error e = {0};
		assert_int_equal(st_nowcast(&in, &r, &e), 0);
		for (int t = PERIODS - RECENT; t < PERIODS; t++) {
			const struct nowcast_period *q = &r.period[t];
			checked++;
			covered += q->lower <= truth[t] && truth[t] <= q->upper;
			width += q->upper - q->lower;
			err += q->estimate - truth[t];
			flagged += q->provisional;
		}
		st_nowcast_free(&r);
	}
	gsl_rng_free(g);
	printf("# figure: nowcast of the last %d of %d months over %d seeds (planted delays up to "
	       "%d months, noise b = %g): the 95%% interval covers the planted total in %d of %d "
	       "(%.1f%%), mean width %.0f, mean error %+.1f; %d flagged provisional\n",
	       RECENT, PERIODS, SEEDS, DELAYS - 1, NOISE_B, covered, checked,
	       100.0 * covered / checked, width / checked, err / checked, flagged);
	assert_true(covered >= 92 * checked / 100 && covered <= 99 * checked / 100);
	assert_int_equal(flagged, checked);
}

/* Taylor & Ashe's triangle (Mack 1993): the chain-ladder reserve is 18,680,856. */
static void the_published_reserve_comes_out(void **state)
{
	(void)state;
	static const double cum[10][10] = {
	    {357848, 1124788, 1735330, 2218270, 2745596, 3319994, 3466336, 3606286, 3833515,
	     3901463},
	    {352118, 1236139, 2170033, 3353322, 3799067, 4120063, 4647867, 4914039, 5339085},
	    {290507, 1292306, 2218525, 3235179, 3985995, 4132918, 4628910, 4909315},
	    {310608, 1418858, 2195047, 3757447, 4029929, 4381982, 4588268},
	    {443160, 1136350, 2128333, 2897821, 3402672, 3873311},
	    {396132, 1333217, 2180715, 2985752, 3691712},
	    {440832, 1288463, 2419861, 3483130},
	    {359480, 1421128, 2864498},
	    {376686, 1363294},
	    {344014}};
	double counts[100];
	for (int t = 0; t < 10; t++)
		for (int d = 0; d < 10; d++)
			counts[t * 10 + d] = t + d < 10 ? cum[t][d] - (d ? cum[t][d - 1] : 0) : NAN;
	struct nowcast_input in = {10, 10, counts, 0, 0, 1, 0.95, 0.95};
	struct nowcast_result r;
	struct wq_error e = {0};
	assert_int_equal(st_nowcast(&in, &r, &e), 0);
	double reserve = 0;
	for (int t = 0; t < 10; t++)
		reserve += r.period[t].estimate - r.period[t].observed;
	assert_true(fabs(reserve - 18680856) < 1);
	st_nowcast_free(&r);
}

int main(void)
{
	gsl_set_error_handler_off();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(planted_months_are_covered),
	    cmocka_unit_test(the_published_reserve_comes_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
