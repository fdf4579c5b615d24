/* Every attribute of common/attribute.h reaches each reader of the table, so that a row
 * cannot be half added: the validator takes its field and checks its code list, the CSV
 * layout has its column and the CSV reader carries it into the case, the warehouse's COPY
 * names its column, the analytics model has its dimension (with its list, population
 * column and sensitivity) and a victim-year can be broken down by it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/attribute.h"
#include "common/codelist.h"
#include "common/strbuf.h"
#include "etl/load/chunk.h"
#include "etl/load/csv_reader.h"
#include "etl/load/record.h"
#include "server/grammar.h"
#include "server/model.h"

static struct codelists lists;
static struct keys keys;

static int setup(void **state)
{
	(void)state;
	struct wq_error e;
	uint8_t k[32] = {1, 2, 3};
	keys_from_bytes(&keys, k);
	return codelists_load(&lists, "config/codelists", &e);
}

static int teardown(void **state)
{
	(void)state;
	keys_free(&keys);
	codelists_free(&lists);
	return 0;
}

/* A code of a's list other than its default: what a test record sets it to. */
static const char *other_code(const struct attribute *a)
{
	const struct code_list *l = codelists_get(&lists, a->list);
	assert_non_null(l);
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].code, a->def) != 0)
			return l->items[i].code;
	fail_msg("list %s has no code but the default", a->list);
	return NULL;
}

static json_t *a_case(const char *field, json_t *value)
{
	json_t *c =
	    json_pack("{s:s,s:s,s:s,s:s,s:[s],s:s,s:s,s:[{s:s,s:s,s:i}]}", "agency", "DC-POL-01",
		      "case_ref", "T-1", "reported", "2024-03", "region", "DC-01", "offences",
		      "grooming", "detection", "victim_report", "status", "reported", "victims",
		      "ref", "V1", "sex", "female", "age", 12);
	assert_non_null(c);
	json_object_set_new(json_array_get(json_object_get(c, "victims"), 0), field, value);
	return c;
}

/* The validator takes each attribute's field, keeps its code at the attribute's index,
 * fills the default when it is absent and names the field when the code is not its
 * list's. */
static void validator(void **state)
{
	(void)state;
	struct rec_context ctx = {&lists, &keys, 1, "DC", 16};
	for (size_t i = 0; i < attr_count(); i++) {
		const struct attribute *a = attr_at(i);
		struct case_rec c = {0};
		struct rec_errors errs = {0};
		json_t *j = a_case(a->name, json_string(other_code(a)));
		assert_int_equal(rec_from_json(&ctx, j, &c, &errs), 0);
		assert_string_equal(c.victims[0].attr[i], other_code(a));
		for (size_t k = 0; k < attr_count(); k++)
			if (k != i)
				assert_string_equal(c.victims[0].attr[k], attr_at(k)->def);
		rec_free(&c);
		json_decref(j);

		char ptr[96];
		snprintf(ptr, sizeof ptr, "/victims/0/%s", a->name);
		memset(&errs, 0, sizeof errs);
		j = a_case(a->name, json_string("no_such_code"));
		assert_int_equal(rec_from_json(&ctx, j, &c, &errs), -1);
		assert_int_equal(errs.n, 1);
		assert_string_equal(errs.e[0].code, "E2001");
		assert_string_equal(errs.e[0].pointer, ptr);
		json_decref(j);
	}
}

struct got {
	const char *field;
	char value[64];
};

static int on_case(void *ctx, json_t *j, const struct rec_errors *errs, long row)
{
	struct got *g = ctx;
	(void)row;
	assert_int_equal(errs->n, 0);
	json_t *v = json_array_get(json_object_get(j, "victims"), 0);
	snprintf(g->value, sizeof g->value, "%s",
		 json_string_value(json_object_get(v, g->field)) ?: "");
	return 0;
}

/* The CSV layout has a victim column per attribute, and the reader puts its cell in the
 * victim's field of that name. */
static void csv_layout_and_reader(void **state)
{
	(void)state;
	const struct csv_column *cols;
	size_t n = csv_layout(&cols);
	for (size_t i = 0; i < attr_count(); i++) {
		const struct attribute *a = attr_at(i);
		char name[96];
		int found = 0;
		snprintf(name, sizeof name, "victim_%s", a->name);
		for (size_t c = 0; c < n; c++)
			found += !strcmp(cols[c].name, name) && cols[c].owner == CSV_VICTIM &&
				 !strcmp(cols[c].field, a->name);
		assert_int_equal(found, 1);

		char text[512];
		snprintf(text, sizeof text,
			 "agency,case_ref,reported,region,offences,detection,status,victim_ref,"
			 "victim_sex,victim_age,%s\nDC-POL-01,T-1,2024-03,DC-01,grooming,"
			 "victim_report,reported,V1,female,12,%s\n",
			 name, other_code(a));
		FILE *f = fmemopen(text, strlen(text), "r");
		struct got g = {a->name, ""};
		struct wq_error e;
		assert_int_equal(csv_read_cases(f, on_case, &g, &e), 0);
		fclose(f);
		assert_string_equal(g.value, other_code(a));
	}
}

/* The warehouse's COPY of victims names every attribute's column. */
static void copy_columns(void **state)
{
	(void)state;
	struct strbuf sql;
	sb_init(&sql);
	chunk_victim_copy(&sql);
	for (size_t i = 0; i < attr_count(); i++) {
		char col[96];
		snprintf(col, sizeof col, ", %s", attr_at(i)->name);
		assert_non_null(strstr(sql.data, col));
	}
	sb_free(&sql);
}

/* The model has a dimension per attribute, of the victim-year fact, with the attribute's
 * list, a population column when a population file may hold it, and its sensitivity for
 * the grammar. */
static void model(void **state)
{
	(void)state;
	const struct fact *vy = model_fact("victim_year");
	assert_non_null(vy);
	for (size_t i = 0; i < attr_count(); i++) {
		const struct attribute *a = attr_at(i);
		const struct dimension *d = model_dimension(a->name);
		assert_non_null(d);
		assert_string_equal(d->list, a->list);
		assert_true(model_fact_has(vy, d));
		assert_int_equal(d->pop != NULL, (a->flags & ATTR_POPULATION) != 0);
		assert_int_equal(d->person, !(a->flags & ATTR_OF_CASE));
		assert_int_equal(grammar_is_sensitive(d), (a->flags & ATTR_SENSITIVE) != 0);
		assert_null(d->multi);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(validator),
	    cmocka_unit_test(csv_layout_and_reader),
	    cmocka_unit_test(copy_columns),
	    cmocka_unit_test(model),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
