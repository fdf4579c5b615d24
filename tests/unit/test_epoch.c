/* The noise's epochs (server/epoch.c): analytics.year_change's rows as the server reads
 * them, and the epoch of a cell: the latest version recorded at or before the last year
 * of its definition's years. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "server/epoch.h"

static void reads_the_rows_as_their_running_latest(void **state)
{
	(void)state;
	struct epochs ep;
	assert_int_equal(epochs_parse(&ep, NULL), 0);
	assert_int_equal(ep.n, 0);
	assert_int_equal(epochs_of(&ep, "year=2020"), 0);
	/* 2018 was last changed at version 9, 2014 at 5, 2020 at 7: a cell ending in 2020
	 * takes 9, since the change from 2018 reached it too. */
	assert_int_equal(epochs_parse(&ep, "0:3,2014:5,2018:9,2020:7"), 0);
	assert_int_equal(ep.n, 4);
	assert_int_equal(epochs_of(&ep, "year=2013"), 3);
	assert_int_equal(epochs_of(&ep, "sex=female&year=2014"), 5);
	assert_int_equal(epochs_of(&ep, "year=2015-2017"), 5);
	assert_int_equal(epochs_of(&ep, "region=DC-01&year=2017-2018&zone=x"), 9);
	assert_int_equal(epochs_of(&ep, "year=2020"), 9);
	assert_int_equal(epochs_of(&ep, "year=2015,2019,2025"), 9);
	/* by the last year, not the first: a cell reaching the change changes */
	assert_int_equal(epochs_of(&ep, "year=2010-2014,2016"), 5);
	/* no year (an empty period) or no year constraint: none */
	assert_int_equal(epochs_of(&ep, "year=none"), 0);
	assert_int_equal(epochs_of(&ep, "sex=female"), 0);
	/* a constraint that only ends in "year" is not the year's */
	assert_int_equal(epochs_of(&ep, "first_year=2020&year=2013"), 3);
	epochs_free(&ep);
}

static void refuses_what_it_does_not_know(void **state)
{
	(void)state;
	struct epochs ep;
	const char *bad[] = {"2014", "2014:", ":5", "2014:5;2015:6", "2015:5,2014:6", "2014:5,"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(epochs_parse(&ep, bad[i]), -1);
		assert_int_equal(ep.n, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reads_the_rows_as_their_running_latest),
	    cmocka_unit_test(refuses_what_it_does_not_know),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
