/* The analytics query parser and grammar (server/query.c, server/grammar.c): one input is
 * a query string as a route takes it ("indicator=victims&dimension=year&from=2015"), then
 * its SQL, its cells' canonical definitions and the grammar's verdict for each role. */
#include <stdlib.h>

#include "common/config.h"
#include "common/strbuf.h"
#include "server/grammar.h"
#include "server/query.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wq_config cfg;
	static int ready;
	if (!ready) {
		config_defaults(&cfg);
		ready = 1;
	}
	char *text = fuzz_text(data, size);
	struct query q;
	struct wq_error e;
	unsigned status;
	if (query_parse_text(&q, fuzz_indicators(), fuzz_codelists(), text, &status, &e) == 0) {
		grammar_check(&q, &cfg, ROLE_RESEARCHER, &e);
		grammar_check(&q, &cfg, ROLE_PUBLIC, &e);
		struct strbuf sql, def;
		char *params[QUERY_MAX_DIMS * 4 + 8];
		int np = 0;
		sb_init(&sql);
		query_sql(&q, &sql, params, &np);
		query_params_free(params, np);
		sb_free(&sql);
		sb_init(&def);
		query_cell_definition(&q, NULL, 2015, 2025, &def);
		sb_free(&def);
	}
	free(text);
	return 0;
}
