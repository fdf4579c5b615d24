/* The intake spool's encoding of validated records (etl/intake/spool.h): every field a
 * case carries after validation comes back as it was (tokens, codes, NULLs, numbers), and an
 * encoding cut anywhere, lengthened, of another layout, with a code of no list or an intervention
 * of a person the case does not have, is refused without reading past its end (run under ASan by
 * make asan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/attribute.h"
#include "common/codelist.h"
#include "common/strbuf.h"
#include "etl/intake/spool.h"
#include "etl/load/record.h"

static struct codelists lists;
static struct keys keys;
static struct case_rec cases[3];
static const size_t n_cases = 3;

/* Three records between them with every kind of field: identities (a national ID, names
 * only, none), offenders (a child among them), interventions with and without outcome and
 * completion, incident and financial given or not. */
static const char *const records[] = {
    "{\"agency\":\"DC-CYB-00\",\"case_ref\":\"T/1\",\"reported\":\"2024-10-08\",\"incident\":"
    "\"2024-07\",\"region\":\"DC-01\",\"offences\":[\"nonconsensual_sharing\",\"grooming\"],"
    "\"technology\":[\"other\"],\"detection\":\"platform_report\",\"financial\":false,"
    "\"status\":\"closed_no_action\",\"victims\":[{\"ref\":\"V1\",\"identity\":{\"given_name\":"
    "\"\xd8\xb1\xd8\xa7\xd8\xb4\xd8\xaf\",\"family_name\":\"Kumar Cruz\",\"birth_date\":"
    "\"2009-08-06\",\"national_id\":\"1000-047-514\"},\"sex\":\"male\",\"disability\":"
    "\"none\",\"relationship\":\"family\"}],\"offenders\":[{\"ref\":\"O1\",\"sex\":\"male\","
    "\"age\":33},{\"ref\":\"O2\",\"sex\":\"female\",\"age\":15}],\"interventions\":[{"
    "\"person\":\"V1\",\"type\":\"psychosocial_support\",\"started\":\"2024-11\","
    "\"completed\":false},{\"person\":\"O2\",\"type\":\"image_removal\",\"started\":"
    "\"2024-11\",\"outcome\":\"removed\"}]}",
    "{\"agency\":\"DC-POL-01\",\"case_ref\":\"T/2\",\"reported\":\"2023-02\",\"region\":"
    "\"DC-02\",\"offences\":[\"grooming\"],\"detection\":\"victim_report\",\"status\":"
    "\"reported\",\"victims\":[{\"ref\":\"V1\",\"sex\":\"female\",\"age\":12},{\"ref\":\"V2\","
    "\"identity\":{\"given_name\":\"Lucia\",\"family_name\":\"Garcia\",\"birth_date\":"
    "\"2010-01-02\"},\"sex\":\"female\"}]}",
    "{\"agency\":\"DC-POL-02\",\"case_ref\":\"T/3\",\"reported\":\"2022-12-31\",\"region\":"
    "\"DC-03\",\"offences\":[\"sextortion\"],\"detection\":\"victim_report\",\"financial\":"
    "true,\"status\":\"charged\",\"victims\":[{\"ref\":\"V1\",\"sex\":\"unknown\",\"age\":16}]}",
};

static int setup(void **state)
{
	(void)state;
	struct wq_error e;
	uint8_t k[32] = {4, 5, 6};
	keys_from_bytes(&keys, k);
	if (codelists_load(&lists, "config/codelists", &e) < 0)
		return -1;
	struct rec_context ctx = {&lists, &keys, 1, "DC", 16};
	for (size_t i = 0; i < n_cases; i++) {
		json_error_t jerr;
		json_t *j = json_loads(records[i], 0, &jerr);
		struct rec_errors errs = {0};
		if (!j || rec_from_json(&ctx, j, &cases[i], &errs) < 0) {
			print_error("record %zu: %s\n", i, errs.n ? errs.e[0].message : jerr.text);
			return -1;
		}
		cases[i].line = (long)i + 1;
		cases[i].record_no = (long)i + 10;
		json_decref(j);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_cases; i++)
		rec_free(&cases[i]);
	keys_free(&keys);
	codelists_free(&lists);
	return 0;
}

static void same_string(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same_person(const struct person_rec *a, const struct person_rec *b)
{
	same_string(a->sex, b->sex);
	assert_int_equal(a->age, b->age);
	assert_int_equal(a->child, b->child);
	for (size_t i = 0; i < attr_count(); i++)
		same_string(a->attr[i], b->attr[i]);
	assert_int_equal(a->ntok, b->ntok);
	for (int t = 0; t < a->ntok; t++) {
		assert_int_equal(a->tok[t].kind, b->tok[t].kind);
		assert_memory_equal(a->tok[t].country, b->tok[t].country, 3);
		assert_memory_equal(a->tok[t].hash, b->tok[t].hash, TOKEN_BYTES);
	}
}

static void same_case(const struct case_rec *a, const struct case_rec *b)
{
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->record_no, b->record_no);
	assert_memory_equal(a->case_key, b->case_key, TOKEN_BYTES);
	same_string(a->agency, b->agency);
	same_string(a->region, b->region);
	same_string(a->detection, b->detection);
	same_string(a->status, b->status);
	assert_int_equal(a->reported, b->reported);
	assert_int_equal(a->incident, b->incident);
	assert_int_equal(a->reported_day, b->reported_day);
	assert_int_equal(a->financial, b->financial);
	assert_int_equal(a->n_offences, b->n_offences);
	for (int k = 0; k < a->n_offences; k++)
		same_string(a->offences[k], b->offences[k]);
	assert_int_equal(a->n_technology, b->n_technology);
	for (int k = 0; k < a->n_technology; k++)
		same_string(a->technology[k], b->technology[k]);
	assert_int_equal(a->n_victims, b->n_victims);
	for (int k = 0; k < a->n_victims; k++)
		same_person(&a->victims[k], &b->victims[k]);
	assert_int_equal(a->n_offenders, b->n_offenders);
	for (int k = 0; k < a->n_offenders; k++)
		same_person(&a->offenders[k], &b->offenders[k]);
	assert_int_equal(a->n_interventions, b->n_interventions);
	for (int k = 0; k < a->n_interventions; k++) {
		const struct intervention_rec *x = &a->interventions[k], *y = &b->interventions[k];
		assert_int_equal(x->person_role, y->person_role);
		assert_int_equal(x->person_seq, y->person_seq);
		same_string(x->type, y->type);
		same_string(x->level, y->level);
		same_string(x->outcome, y->outcome);
		assert_int_equal(x->started, y->started);
		assert_int_equal(x->completed, y->completed);
	}
}

static void free_decoded(struct case_rec *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rec_free(&c[i]);
	free(c);
}

/* What the records hold comes back whole. */
static void round_trip(void **state)
{
	(void)state;
	/* The records exercise what they should: tokens, a NULL outcome, a child offender. */
	assert_true(cases[0].victims[0].ntok >= 2);
	assert_null(cases[0].interventions[0].outcome);
	assert_true(cases[0].offenders[1].child);
	assert_int_equal(cases[1].incident, -1);
	assert_int_equal(cases[1].financial, -1);
	struct strbuf sb;
	sb_init(&sb);
	spool_encode(&sb, cases, n_cases);
	struct case_rec *back;
	size_t n;
	assert_int_equal(spool_decode(&lists, (const unsigned char *)sb.data, sb.len, &back, &n),
			 0);
	assert_int_equal(n, n_cases);
	for (size_t i = 0; i < n; i++)
		same_case(&cases[i], &back[i]);
	free_decoded(back, n);
	sb_free(&sb);
}

/* Cut at every length, one byte more, or another layout: refused. */
static void damaged_is_refused(void **state)
{
	(void)state;
	struct strbuf sb;
	sb_init(&sb);
	spool_encode(&sb, cases, n_cases);
	struct case_rec *back;
	size_t n;
	for (size_t len = 0; len < sb.len; len++) {
		/* A copy of exactly LEN bytes, so that ASan sees a read past it. */
		unsigned char *cut = malloc(len + 1);
		memcpy(cut, sb.data, len);
		assert_int_equal(spool_decode(&lists, cut, len, &back, &n), -1);
		free(cut);
	}
	sb_putc(&sb, 0);
	assert_int_equal(spool_decode(&lists, (const unsigned char *)sb.data, sb.len, &back, &n),
			 -1);
	sb.len--;
	sb.data[0]++;
	assert_int_equal(spool_decode(&lists, (const unsigned char *)sb.data, sb.len, &back, &n),
			 -1);
	sb_free(&sb);
}

/* What the spool's row says is checked as validation would: a code of no list (which
 * could carry a tab into the loader's COPY text), an intervention of a person the case
 * does not have. */
static void unchecked_content_is_refused(void **state)
{
	(void)state;
	struct case_rec c = cases[0];
	struct strbuf sb;
	struct case_rec *back;
	size_t n;
	sb_init(&sb);
	c.region = "DC-01\t1";
	spool_encode(&sb, &c, 1);
	assert_int_equal(spool_decode(&lists, (const unsigned char *)sb.data, sb.len, &back, &n),
			 -1);
	c = cases[0];
	struct intervention_rec iv[2];
	memcpy(iv, c.interventions, sizeof iv);
	iv[1].person_seq = 3; /* the case has 2 offenders */
	c.interventions = iv;
	sb_reset(&sb);
	spool_encode(&sb, &c, 1);
	assert_int_equal(spool_decode(&lists, (const unsigned char *)sb.data, sb.len, &back, &n),
			 -1);
	iv[1].person_seq = 2; /* and the control: the same record as it was decodes */
	sb_reset(&sb);
	spool_encode(&sb, &c, 1);
	assert_int_equal(spool_decode(&lists, (const unsigned char *)sb.data, sb.len, &back, &n),
			 0);
	free_decoded(back, n);
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(damaged_is_refused),
	    cmocka_unit_test(unchecked_content_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
