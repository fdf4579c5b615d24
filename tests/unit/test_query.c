/* The query layer against golden SQL (tests/data/query/NAME.sql): the statement and the
 * parameters for a few queries that the analytics integration test checks cell by cell
 * against independent counts. A change in the SQL shows here as a diff to review; update
 * a golden file with WIQAYA_GOLDEN_WRITE=1 once the new SQL is known right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/codelist.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/indicator.h"
#include "server/query.h"

static struct indicators inds;
static struct codelists lists;

static int setup(void **state)
{
	(void)state;
	struct wq_error e;
	if (indicators_load(&inds, "config/indicators.json", &e) < 0 ||
	    codelists_load(&lists, "config/codelists", &e) < 0) {
		fprintf(stderr, "%s: %s\n", e.code, e.message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	indicators_free(&inds);
	codelists_free(&lists);
	return 0;
}

/* Parses the query, renders its SQL and parameters, and compares with the golden file. */
static void golden(const char *name, const char *indicator, const char *const *dims, int ndims,
		   const char *const *filters, int nfilters, const char *from, const char *to)
{
	struct query q;
	struct wq_error e;
	unsigned status = 0;
	struct query_text t = {indicator, dims, ndims, filters, nfilters, from, to};
	assert_int_equal(query_parse(&q, &inds, &lists, &t, &status, &e), 0);
	struct strbuf sql, text;
	char *params[QUERY_MAX_DIMS * 4 + 8];
	int np = 0;
	sb_init(&sql);
	sb_init(&text);
	query_sql(&q, &sql, params, &np);
	sb_printf(&text, "%s\n", sql.data);
	for (int i = 0; i < np; i++)
		sb_printf(&text, "-- $%d = %s\n", i + 1, params[i]);
	query_params_free(params, np);

	char path[128];
	snprintf(path, sizeof path, "tests/data/query/%s.sql", name);
	if (getenv("WIQAYA_GOLDEN_WRITE")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(text.data, f);
		fclose(f);
	}
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *want = xmalloc(1 << 16);
	size_t n = fread(want, 1, (1 << 16) - 1, f);
	want[n] = '\0';
	fclose(f);
	assert_string_equal(text.data, want);
	free(want);
	sb_free(&sql);
	sb_free(&text);
}

static void count_by_year(void **state)
{
	(void)state;
	const char *dims[] = {"year"};
	golden("victims_by_year", "victims", dims, 1, NULL, 0, NULL, NULL);
}

static void rate_with_population(void **state)
{
	(void)state;
	const char *dims[] = {"year", "sex"}, *filters[] = {"region:DC-01;DC-02"};
	golden("victim_rate_by_year_sex_in_two_regions", "victim_rate", dims, 2, filters, 1, "2018",
	       "2024");
}

static void proportion_by_multi_valued(void **state)
{
	(void)state;
	const char *dims[] = {"offence", "age_band:13-15;16-17"},
		   *filters[] = {"technology:ai_tool"};
	golden("revictimisation_by_offence_and_two_bands", "revictimisation_12m", dims, 2, filters,
	       1, NULL, NULL);
}

static void cases_by_three(void **state)
{
	(void)state;
	const char *dims[] = {"region", "detection", "financial"};
	golden("cases_by_region_detection_financial", "cases", dims, 3, NULL, 0, "2020", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(count_by_year),
	    cmocka_unit_test(rate_with_population),
	    cmocka_unit_test(proportion_by_multi_valued),
	    cmocka_unit_test(cases_by_three),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
