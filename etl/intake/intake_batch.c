/* GET /api/v1/batches/{id}: a batch's counts, its state (loaded, or spooled while a load
 * runs) and its rejected records' errors (codes, pointers, messages: never a value). A submitter
 * reads its own agency's batches only; an admin any, file loads included. Another agency's batch is
 * answered as a missing one (the same 404, from the same query): a submitter cannot learn which ids
 * exist. DELETE /api/v1/batches/{id} (admin): the batch withdrawn, as `wiqaya-etl withdraw` does
 * (etl/load/withdraw.h); the refresher shows it in the analytics. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "etl/intake/intake.h"
#include "etl/load/refresher.h"
#include "etl/load/withdraw.h"

#define MAX_ERRORS 10000

/* The id of "b-N" or "N": N in decimal digits, without sign, space or leading zero, at
 * most 18 of them (a bigint). 0 for anything else. */
static long long batch_id(const char *text)
{
	if (strncmp(text, "b-", 2) == 0)
		text += 2;
	size_t n = strlen(text);
	if (n == 0 || n > 18 || text[0] == '0' || strspn(text, "0123456789") != n)
		return 0;
	return strtoll(text, NULL, 10);
}

void intake_batch_get(struct http_request *req, struct http_response *resp)
{
	const struct principal *who = http_principal(req);
	long long n = batch_id(strrchr(http_path(req), '/') + 1);
	if (n <= 0) {
		http_problem(resp, 404, "H1404", "not found", "No such batch.", NULL);
		return;
	}
	char idtext[24];
	snprintf(idtext, sizeof idtext, "%lld", n);
	struct wq_error e;
	PGconn *conn = http_db(req);
	const char *params[] = {idtext, who->role == ROLE_ADMIN ? "" : who->agency};
	PGresult *b =
	    conn
		? db_exec(conn, &e,
			  "SELECT source, coalesce(agency, ''), to_char(loaded_at AT TIME "
			  "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), records, "
			  "accepted, rejected, status, EXISTS (SELECT FROM "
			  "warehouse.intake_spool s WHERE s.batch_id = b.batch_id) "
			  "FROM warehouse.batch b WHERE batch_id = $1 AND ($2 = '' OR agency = $2)",
			  2, params)
		: NULL;
	if (!b) {
		http_db_reset();
		http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL, NULL);
		resp->retry_after = 1;
		return;
	}
	if (PQntuples(b) == 0) {
		PQclear(b);
		http_problem(resp, 404, "H1404", "not found", "No such batch.", NULL);
		return;
	}
	int http = strcmp(PQgetvalue(b, 0, 0), "http") == 0;
	char batch[32];
	snprintf(batch, sizeof batch, "b-%lld", n);
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "batch", batch, "source",
			      PQgetvalue(b, 0, 0), "loaded_at", PQgetvalue(b, 0, 2), "records",
			      (json_int_t)atoll(PQgetvalue(b, 0, 3)), "accepted",
			      (json_int_t)atoll(PQgetvalue(b, 0, 4)), "rejected",
			      (json_int_t)atoll(PQgetvalue(b, 0, 5)));
	if (PQgetvalue(b, 0, 1)[0])
		json_object_set_new(o, "agency", json_string(PQgetvalue(b, 0, 1)));
	/* Spooled: answered while a load ran, linked when it ends (etl/intake/spool.h). */
	json_object_set_new(o, "state",
			    json_string(PQgetvalue(b, 0, 7)[0] == 't' ? "spooled" : "loaded"));
	if (!PQgetisnull(b, 0, 6))
		json_object_set_new(o, "status", json_integer(atoi(PQgetvalue(b, 0, 6))));
	PQclear(b);
	PGresult *r = db_exec(conn, &e,
			      "SELECT record_no, line, code, coalesce(pointer, ''), message "
			      "FROM warehouse.reject WHERE batch_id = $1 "
			      "ORDER BY record_no, ctid LIMIT "
			      "10001",
			      1, params);
	if (!r) {
		json_decref(o);
		http_db_reset();
		http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL, NULL);
		resp->retry_after = 1;
		return;
	}
	json_t *results = json_array(), *cur = NULL;
	long last = -1;
	int rows = PQntuples(r) > MAX_ERRORS ? MAX_ERRORS : PQntuples(r);
	for (int i = 0; i < rows; i++) {
		long rec = atol(PQgetvalue(r, i, 0));
		if (rec != last || !cur) {
			cur = http ? json_pack("{s:I,s:s,s:[]}", "index", (json_int_t)rec, "status",
					       "rejected", "errors")
				   : json_pack("{s:I,s:I,s:s,s:[]}", "record", (json_int_t)rec,
					       "line", (json_int_t)atoll(PQgetvalue(r, i, 1)),
					       "status", "rejected", "errors");
			json_array_append_new(results, cur);
			last = rec;
		}
		json_array_append_new(json_object_get(cur, "errors"),
				      json_pack("{s:s,s:s,s:s}", "code", PQgetvalue(r, i, 2),
						"pointer", PQgetvalue(r, i, 3), "message",
						PQgetvalue(r, i, 4)));
	}
	if (PQntuples(r) > MAX_ERRORS)
		json_object_set_new(o, "more_errors", json_true());
	PQclear(r);
	json_object_set_new(o, "results", results);
	http_json(resp, 200, o);
}

void intake_batch_delete(struct http_request *req, struct http_response *resp)
{
	const struct intake *in = http_app(req);
	long long n = batch_id(strrchr(http_path(req), '/') + 1);
	struct wq_error e;
	struct withdrawal w;
	PGconn *conn = http_db(req);
	if (n <= 0) {
		http_problem(resp, 404, "H1404", "not found", "No such batch.", NULL);
		return;
	}
	char by[32];
	snprintf(by, sizeof by, "token %d", http_principal(req)->token_id);
	/* Not waited for: a load holds the linkage lock for its whole transaction, longer
	 * than a request may take. */
	if (!conn || withdraw_batch(conn, in->audit_key, n, by, 0, &w, &e) < 0) {
		if (conn && strcmp(e.code, "S3009") == 0) {
			http_problem(resp, 404, "H1404", "not found", "No such batch.", NULL);
		} else if (conn && strcmp(e.code, "S3008") == 0) {
			http_problem_error(resp, 409, &e);
		} else if (conn && strcmp(e.code, "S3010") == 0) {
			http_problem_error(resp, 503, &e);
			resp->retry_after = 30;
		} else if (conn && PQstatus(conn) == CONNECTION_OK) {
			/* The code only (a database's message is not the client's business): a
			 * deadlock, the audit chain. */
			http_problem(resp, 503, e.code, "the batch was not withdrawn",
				     "Nothing of it was removed.", "Try again.");
			resp->retry_after = 1;
		} else {
			http_db_reset();
			http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL,
				     NULL);
			resp->retry_after = 1;
		}
		return;
	}
	refresher_poke(in->refresher);
	char batch[32];
	snprintf(batch, sizeof batch, "b-%lld", n);
	http_json(resp, 200,
		  json_pack("{s:s,s:b,s:I,s:I}", "batch", batch, "withdrawn", 1, "cases",
			    (json_int_t)w.cases, "persons", (json_int_t)w.persons));
}
