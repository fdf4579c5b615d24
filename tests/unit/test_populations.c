/* server/populations.c: rows found only at the version they were kept at; an older version
 * neither finds nor keeps; a newer one forgets everything, while rows an answer holds stay
 * readable until released; a key kept twice (two threads racing) is kept once; the
 * bounds in bytes and entries. Results made with libpq's own constructors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "server/populations.h"

/* A result of one column "pop" and n rows, each value text. */
static PGresult *rows_of(int n, const char *text)
{
	static char name[] = "pop";
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc att = {.name = name, .typid = 25, .typlen = -1, .atttypmod = -1};
	assert_non_null(r);
	assert_int_equal(PQsetResultAttrs(r, 1, &att), 1);
	for (int i = 0; i < n; i++)
		assert_int_equal(PQsetvalue(r, i, 0, (char *)text, (int)strlen(text)), 1);
	return r;
}

/* Finds key at version, expecting want's rows, and releases them. */
static void finds(struct populations *m, long long version, const char *key, const PGresult *want)
{
	const PGresult *f = populations_find(m, version, key);
	assert_ptr_equal(f, want);
	populations_release(m, f);
}

static void counts(struct populations *m, unsigned long hits, unsigned long misses)
{
	unsigned long h, x;
	populations_counts(m, &h, &x);
	assert_int_equal(h, hits);
	assert_int_equal(x, misses);
}

static void a_version_finds_its_own_rows(void **state)
{
	(void)state;
	struct populations *m = populations_new(1 << 20);
	assert_null(populations_find(m, 5, "q"));
	PGresult *r = rows_of(3, "100");
	assert_ptr_equal(populations_keep(m, 5, "q", r), r);
	populations_release(m, r);
	const PGresult *f = populations_find(m, 5, "q");
	assert_ptr_equal(f, r);
	assert_string_equal(PQgetvalue(f, 2, 0), "100");
	populations_release(m, f);
	assert_null(populations_find(m, 5, "another query"));
	/* version 0 (unknown) neither finds nor keeps */
	assert_null(populations_find(m, 0, "q"));
	PGresult *z = rows_of(1, "1");
	assert_null(populations_keep(m, 0, "q", z));
	PQclear(z);
	counts(m, 1, 3);
	populations_free(m);
}

static void an_older_version_neither_finds_nor_keeps(void **state)
{
	(void)state;
	struct populations *m = populations_new(1 << 20);
	PGresult *r = rows_of(2, "7");
	assert_ptr_equal(populations_keep(m, 8, "q", r), r);
	populations_release(m, r);
	assert_null(populations_find(m, 7, "q"));
	PGresult *old = rows_of(2, "6");
	assert_null(populations_keep(m, 7, "q", old)); /* still the caller's */
	assert_string_equal(PQgetvalue(old, 0, 0), "6");
	PQclear(old);
	finds(m, 8, "q", r);
	populations_free(m);
}

static void a_newer_version_forgets_what_is_held_once_released(void **state)
{
	(void)state;
	struct populations *m = populations_new(1 << 20);
	PGresult *r = rows_of(4, "42");
	const PGresult *held = populations_keep(m, 3, "q", r); /* an answer reads it */
	assert_ptr_equal(held, r);
	assert_null(populations_find(m, 4, "q"));	   /* the next version: forgotten */
	assert_string_equal(PQgetvalue(held, 3, 0), "42"); /* yet still readable */
	populations_release(m, held);			   /* and freed now (ASan: no leak) */
	assert_null(populations_find(m, 3, "q"));	   /* the old version never again */
	PGresult *n = rows_of(1, "43");
	assert_ptr_equal(populations_keep(m, 4, "q", n), n);
	populations_release(m, n);
	const PGresult *f = populations_find(m, 4, "q");
	assert_string_equal(PQgetvalue(f, 0, 0), "43");
	populations_release(m, f);
	populations_free(m);
}

static void a_key_kept_twice_is_kept_once(void **state)
{
	(void)state;
	struct populations *m = populations_new(1 << 20);
	PGresult *a = rows_of(1, "1"), *b = rows_of(1, "1");
	assert_ptr_equal(populations_keep(m, 2, "q", a), a);
	assert_ptr_equal(populations_keep(m, 2, "q", b), a); /* b freed: a is the one */
	populations_release(m, a);
	populations_release(m, a);
	finds(m, 2, "q", a);
	populations_free(m);
}

static void the_bounds(void **state)
{
	(void)state;
	/* rows larger than a quarter of the bound are not kept */
	struct populations *m = populations_new(8192);
	PGresult *big = rows_of(100, "1234567890");
	assert_null(populations_keep(m, 1, "big", big));
	PQclear(big);
	populations_free(m);
	/* past the entries' bound, everything is forgotten and the newest kept */
	m = populations_new(64 << 20);
	for (int i = 0; i < 300; i++) {
		char key[16];
		snprintf(key, sizeof key, "q%d", i);
		PGresult *r = rows_of(1, "5");
		assert_ptr_equal(populations_keep(m, 1, key, r), r);
		populations_release(m, r);
	}
	assert_null(populations_find(m, 1, "q0"));
	const PGresult *f = populations_find(m, 1, "q299");
	assert_non_null(f);
	populations_release(m, f);
	populations_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_version_finds_its_own_rows),
	    cmocka_unit_test(an_older_version_neither_finds_nor_keeps),
	    cmocka_unit_test(a_newer_version_forgets_what_is_held_once_released),
	    cmocka_unit_test(a_key_kept_twice_is_kept_once),
	    cmocka_unit_test(the_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
