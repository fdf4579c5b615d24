/* POST /api/v1/population (admin): a population CSV (year,region,sex,age,population and
 * optional dimension columns), loaded by the code of `wiqaya-etl load --population`; the
 * denominators reach the analytics with the next refresh. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit_chain.h"
#include "common/db.h"
#include "etl/intake/intake.h"
#include "etl/load/population.h"

/* The submission's audit row, in the load's transaction. */
static int audit_row(PGconn *conn, const struct population_result *r, void *arg, struct wq_error *e)
{
	const struct intake *in = arg;
	json_t *j =
	    json_pack("{s:s,s:I,s:I,s:I}", "kind", "population", "rows", (json_int_t)r->rows,
		      "loaded", (json_int_t)r->loaded, "rejected", (json_int_t)r->rejected);
	char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	int rc = audit_append(conn, in->audit_key, "submission", body, e);
	free(body);
	return rc;
}

void intake_population_post(struct http_request *req, struct http_response *resp)
{
	struct intake *in = http_app(req);
	char type[64];
	const char *body, *atomic_text = http_query(req, "atomic");
	size_t len;
	intake_media_type(req, type, sizeof type);
	if (strcmp(type, "text/csv") != 0) {
		http_problem(resp, 415, "H1415", "unsupported media type",
			     "Send the population table as text/csv.", NULL);
		return;
	}
	if (atomic_text && strcmp(atomic_text, "true") != 0 && strcmp(atomic_text, "false") != 0) {
		http_problem_param(resp, "I1006", "atomic must be true or false", "atomic",
				   "true or false");
		return;
	}
	http_body(req, &body, &len);
	struct wq_error e;
	PGconn *conn = http_db(req);
	if (!conn) {
		http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL, NULL);
		resp->retry_after = 1;
		return;
	}
	char *rej = NULL;
	size_t rej_len = 0;
	FILE *f = fmemopen((void *)body, len, "r"), *rejects = open_memstream(&rej, &rej_len);
	struct population_options o = {.atomic = atomic_text && strcmp(atomic_text, "true") == 0,
				       .rejects = rejects,
				       .before_commit = audit_row,
				       .arg = in};
	struct population_result r;
	int rc = f && rejects ? population_load_stream(conn, &in->lists, f, &o, &r, &e)
			      : err_set(&e, "S3001", "could not read the body");
	if (f)
		fclose(f);
	if (rejects)
		fclose(rejects);
	if (rc < 0) {
		if (e.code[0] == 'E')
			http_problem_error(resp, 400, &e);
		else {
			http_db_reset();
			http_problem(resp, 503, e.code, "the population was not loaded", NULL,
				     "Retry: a population row replaces the one of its key.");
			resp->retry_after = 1;
		}
		free(rej);
		return;
	}
	json_t *results = json_array();
	for (char *line = rej; line && *line;) {
		char *nl = strchr(line, '\n');
		json_t *j = json_loadb(line, nl ? (size_t)(nl - line) : strlen(line), 0, NULL);
		if (j)
			json_array_append_new(results, j);
		line = nl ? nl + 1 : line + strlen(line);
	}
	free(rej);
	if (rc == 0)
		refresher_poke(in->refresher);
	http_json(resp, r.rejected || rc == 1 ? 422 : 200,
		  json_pack("{s:I,s:I,s:I,s:o}", "rows", (json_int_t)r.rows, "loaded",
			    (json_int_t)(rc == 1 ? 0 : r.loaded), "rejected",
			    (json_int_t)r.rejected, "results", results));
}
