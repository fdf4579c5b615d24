/* wiqaya-stats METHOD: one JSON object on stdin, one on stdout (stats.md's contract).
 * Bad input: exit 2 and a problem object {code, title, detail} on stderr. Methods are
 * rows of a const table; each row's function maps JSON to the pure stats/ functions. */
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "stats/proportion.h"

#define VERSION "0.1.0"

struct method {
	const char *name, *summary;
	json_t *(*run)(json_t *in, struct wq_error *e);
};

/* A number field; def when absent (NAN: required). Returns 0 or -1 with e set. */
static int num(json_t *in, const char *key, double def, double *out, struct wq_error *e)
{
	json_t *v = json_object_get(in, key);
	if (!v) {
		if (isnan(def))
			return err_set(e, "A1003", "missing field \"%s\"", key);
		*out = def;
		return 0;
	}
	if (!json_is_number(v))
		return err_set(e, "A1004", "field \"%s\" must be a number", key);
	*out = json_number_value(v);
	if (!isfinite(*out))
		return err_set(e, "A1004", "field \"%s\" must be finite", key);
	return 0;
}

static const char *str(json_t *in, const char *key, const char *def)
{
	json_t *v = json_object_get(in, key);
	return json_is_string(v) ? json_string_value(v) : v ? NULL : def;
}

static json_t *run_proportion(json_t *in, struct wq_error *e)
{
	double x, n, conf;
	enum prop_method m;
	struct interval ci;
	const char *method = str(in, "method", "wilson");
	if (num(in, "x", NAN, &x, e) < 0 || num(in, "n", NAN, &n, e) < 0 ||
	    num(in, "conf", 0.95, &conf, e) < 0)
		return NULL;
	if (!method || st_prop_method(method, &m) < 0) {
		err_set(e, "A1005", "unknown method");
		err_detail(e, "One of wilson, clopper-pearson, agresti-coull, wald.");
		return NULL;
	}
	if (st_proportion(x, n, conf, m, &ci, e) < 0)
		return NULL;
	return json_pack("{s:f,s:f,s:f}", "estimate", ci.estimate, "lower", ci.lower, "upper",
			 ci.upper);
}

static const struct method methods[] = {
    {"proportion", "binomial proportion: Wilson, Clopper-Pearson, Agresti-Coull, Wald",
     run_proportion},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: wiqaya-stats METHOD < input.json > output.json\n\nmethods:\n");
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		fprintf(f, "  %-18s %s\n", methods[i].name, methods[i].summary);
	fprintf(f, "\nexit status: 0 result on stdout, 2 bad input (problem object on stderr)\n");
}

static int problem(const struct wq_error *e)
{
	json_t *p = json_pack("{s:s,s:s}", "code", e->code, "title", e->message);
	if (e->detail[0])
		json_object_set_new(p, "detail", json_string(e->detail));
	char *s = json_dumps(p, JSON_COMPACT);
	fprintf(stderr, "%s\n", s);
	free(s);
	json_decref(p);
	return 2;
}

int main(int argc, char **argv)
{
	struct wq_error e;
	json_error_t jerr;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("wiqaya-stats %s\n", VERSION);
		return 0;
	}
	/* GSL's default handler aborts; every result is checked instead. */
	gsl_set_error_handler_off();
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (strcmp(argv[1], methods[i].name) != 0)
			continue;
		json_t *in = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
		if (!in || !json_is_object(in)) {
			json_decref(in);
			err_set(&e, "A1000", "the input is not a JSON object");
			err_detail(&e, "%s", in ? "Expected an object." : jerr.text);
			return problem(&e);
		}
		err_clear(&e);
		json_t *out = methods[i].run(in, &e);
		json_decref(in);
		if (!out)
			return problem(&e);
		char *s = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));
		printf("%s\n", s);
		free(s);
		json_decref(out);
		return 0;
	}
	err_set(&e, "A1005", "unknown method \"%.40s\"", argv[1]);
	err_detail(&e, "wiqaya-stats --help lists the methods.");
	return problem(&e);
}
