/* Configuration: defaults, the example file, and every kind of error with file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/codelist.h"
#include "common/config.h"

static const char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/wiqaya-conf-%d.ini", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void example_loads(void **state)
{
	(void)state;
	struct wq_config c;
	struct wq_error e;
	assert_int_equal(config_load(&c, "config/wiqaya.conf.example", &e), 0);
	assert_int_equal(c.db_port, 54329);
	assert_string_equal(c.db_loader_user, "wiqaya_loader");
	assert_string_equal(c.server_listen, "127.0.0.1");
	assert_int_equal(c.floor, 5);
	assert_true(c.noise_scale == 2.0);
	config_free(&c);
}

static void errors_name_file_line_and_key(void **state)
{
	(void)state;
	static const struct {
		const char *text, *code, *in_message;
		int line;
	} cases[] = {
	    {"[database]\nport = 99999\n", "S1004", "\"port\"", 2},
	    {"[database]\nport = 12ab\n", "S1004", "\"port\"", 2},
	    {"[database]\nhost = x\n\n[server]\nlisten_on = 1\n", "S1003", "\"listen_on\"", 5},
	    {"[nosuch]\nkey = 1\n", "S1003", "[nosuch]", 2},
	    {"[database]\nthis line has no equals sign\n", "S1002", "syntax", 2},
	    {"[disclosure]\nnoise_scale = -1\n", "S1004", "\"noise_scale\"", 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct wq_config c;
		struct wq_error e;
		const char *path = write_tmp(cases[i].text);
		assert_int_equal(config_load(&c, path, &e), -1);
		assert_string_equal(e.code, cases[i].code);
		assert_non_null(strstr(e.message, cases[i].in_message));
		char where[96];
		snprintf(where, sizeof where, "line %d", cases[i].line);
		assert_non_null(strstr(e.detail, where));
		assert_non_null(strstr(e.detail, path));
		config_free(&c);
		unlink(path);
	}
}

/* Under systemd, a key file or the passwords' folder can be the service's own copy
 * (LoadCredential=): $CREDENTIALS_DIRECTORY in the value is the folder systemd names;
 * without it the value stays as written. */
static void credentials_directory(void **state)
{
	(void)state;
	struct wq_config c;
	struct wq_error e;
	const char *path =
	    write_tmp("[keys]\npseudonym_key = $CREDENTIALS_DIRECTORY/pseudonym.key\n"
		      "[database]\npasswords = $CREDENTIALS_DIRECTORY\n");
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/wiqaya-intake.service", 1);
	assert_int_equal(config_load(&c, path, &e), 0);
	assert_string_equal(c.pseudonym_key,
			    "/run/credentials/wiqaya-intake.service/pseudonym.key");
	assert_string_equal(c.db_passwords, "/run/credentials/wiqaya-intake.service");
	config_free(&c);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(config_load(&c, path, &e), 0);
	assert_string_equal(c.pseudonym_key, "$CREDENTIALS_DIRECTORY/pseudonym.key");
	config_free(&c);
	unlink(path);
}

static void missing_file(void **state)
{
	(void)state;
	struct wq_config c;
	struct wq_error e;
	assert_int_equal(config_load(&c, "/nonexistent/wiqaya.conf", &e), -1);
	assert_string_equal(e.code, "S1001");
	assert_non_null(strstr(e.message, "/nonexistent/wiqaya.conf"));
	config_free(&c);
}

/* Every list case-record.md names exists, with English and Arabic labels. */
static void code_lists(void **state)
{
	(void)state;
	static const char *const lists[] = {
	    "offences",	    "technology",	 "detection",	       "status",
	    "sex",	    "gender_identity",	 "sexual_orientation", "ethnicities",
	    "disability",   "migrant_status",	 "economic_status",    "education_status",
	    "relationship", "intervention_type", "intervention_level", "intervention_outcome",
	    "regions",	    "agencies",		 "age_band",	       "countries"};
	struct codelists cl;
	struct wq_error e;
	assert_int_equal(codelists_load(&cl, "config/codelists", &e), 0);
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const struct code_list *l = codelists_get(&cl, lists[i]);
		assert_non_null(l);
		assert_true(l->n > 0);
		for (size_t j = 0; j < l->n; j++) {
			assert_true(strlen(l->items[j].label_en) > 0);
			/* Arabic labels hold Arabic letters (U+0600..U+06FF lead bytes D8..DB). */
			const unsigned char *ar = (const unsigned char *)l->items[j].label_ar;
			int arabic = 0;
			for (; *ar; ar++)
				arabic |= *ar >= 0xD8 && *ar <= 0xDB;
			assert_true(arabic);
			assert_int_equal(codelist_index(l, l->items[j].code), (int)j);
		}
	}
	assert_int_equal(codelists_get(&cl, "regions")->n, 13);
	const struct code_list *off = codelists_get(&cl, "offences");
	assert_int_equal(off->n, 12);
	assert_string_equal(off->items[codelist_index(off, "grooming")].iccs, "030223");
	assert_int_equal(codelist_index(off, "nosuch"), -1);
	assert_int_equal(codelist_index(codelists_get(&cl, "sex"), "F"), -1);
	codelists_free(&cl);
}

/* A directory of its own for one code list: dir made, path its file's. */
static void list_dir(char *dir, char *path, size_t size, const char *file)
{
	assert_non_null(mkdtemp(dir));
	snprintf(path, size, "%s/%s", dir, file);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void malformed_code_list(void **state)
{
	(void)state;
	char dir[] = "/tmp/wiqaya-cl-XXXXXX", path[80];
	list_dir(dir, path, sizeof path, "bad.csv");
	write_text(path, "code,label_en,label_ar\na,A,أ\nb,only two\n");
	FILE *f;
	struct codelists cl;
	struct wq_error e;
	assert_int_equal(codelists_load(&cl, dir, &e), -1);
	assert_string_equal(e.code, "S1102");
	assert_non_null(strstr(e.detail, "Line 3"));
	write_text(path, "code,label_en,label_ar\na,A,أ\na,A again,أ\n");
	assert_int_equal(codelists_load(&cl, dir, &e), -1);
	assert_string_equal(e.code, "S1103");
	/* Codes go unescaped into COPY text and array literals: only plain ones load. */
	static const char *const bad[] = {"a b", "a,b", "a\\b", "{a}", "NULL", "null", "a\"b"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		f = fopen(path, "w");
		fprintf(f, "code,label_en,label_ar\n\"%s\",A,B\n",
			bad[i][0] == 'a' && bad[i][1] == '"' ? "a\"\"b" : bad[i]);
		fclose(f);
		assert_int_equal(codelists_load(&cl, dir, &e), -1);
		assert_string_equal(e.code, "S1102");
	}
	write_text(path, "code,label_en,label_ar\n18+,A,B\nDC-01,C,D\nx_y.z,E,F\n");
	assert_int_equal(codelists_load(&cl, dir, &e), 0);
	codelists_free(&cl);
	unlink(path);
	rmdir(dir);
}

/* A list saved by Excel as "CSV UTF-8" starts with a byte-order mark: its header is still
 * code,..., and its first code is the code, not the mark and the code. */
static void code_list_with_bom(void **state)
{
	(void)state;
	char dir[] = "/tmp/wiqaya-cl-XXXXXX", path[80];
	list_dir(dir, path, sizeof path, "marked.csv");
	write_text(path, "\xEF\xBB\xBF"
			 "code,label_en,label_ar\nDC-01,Capital,العاصمة\n");
	struct codelists cl;
	struct wq_error e;
	assert_int_equal(codelists_load(&cl, dir, &e), 0);
	const struct code_list *l = codelists_get(&cl, "marked");
	assert_non_null(l);
	assert_int_equal(l->n, 1);
	assert_int_equal(codelist_index(l, "DC-01"), 0);
	codelists_free(&cl);
	/* Only at the start: a mark before a later line's code is no plain code. */
	write_text(path, "code,label_en,label_ar\n\xEF\xBB\xBF"
			 "DC-01,Capital,العاصمة\n");
	assert_int_equal(codelists_load(&cl, dir, &e), -1);
	assert_string_equal(e.code, "S1102");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(example_loads),	   cmocka_unit_test(errors_name_file_line_and_key),
	    cmocka_unit_test(missing_file),	   cmocka_unit_test(code_lists),
	    cmocka_unit_test(malformed_code_list), cmocka_unit_test(credentials_directory),
	    cmocka_unit_test(code_list_with_bom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
