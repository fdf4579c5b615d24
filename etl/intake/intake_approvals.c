/* POST /api/v1/approvals {"year": Y[, "agency": CODE]}: an agency approves its cases of a
 * year for the official releases (etl/ops/approval.h): its own submitter (an agency named
 * must be its own), or an admin naming the agency. GET /api/v1/approvals: the approvals,
 * the submitter's agency's or (admin) every agency's, and which a later change reopened. */
#include <stdio.h>
#include <string.h>

#include "common/http.h"
#include "etl/intake/intake.h"
#include "etl/ops/approval.h"

/* The agency a request may act for: a submitter's own, an admin's named. NULL with resp
 * the refusal. */
static const char *agency_of(const struct principal *who, const char *named,
			     struct http_response *resp)
{
	if (who->role != ROLE_ADMIN) {
		if (named && strcmp(named, who->agency) != 0) {
			http_problem(resp, 403, "I1003", "another agency's approval",
				     "A submitter approves and reads its own agency's years only.",
				     NULL);
			return NULL;
		}
		return who->agency;
	}
	return named;
}

static void unreachable(struct http_response *resp)
{
	http_db_reset();
	http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL, NULL);
	resp->retry_after = 1;
}

void intake_approvals_post(struct http_request *req, struct http_response *resp)
{
	const struct intake *in = http_app(req);
	const struct principal *who = http_principal(req);
	char type[64];
	intake_media_type(req, type, sizeof type);
	if (strcmp(type, "application/json") != 0) {
		http_problem(resp, 415, "H1415", "unsupported media type",
			     "An approval is a JSON object: {\"year\": 2025}.", NULL);
		return;
	}
	const char *data;
	size_t len;
	http_body(req, &data, &len);
	json_t *body = json_loadb(data, len, 0, NULL), *year = json_object_get(body, "year"),
	       *agency = json_object_get(body, "agency");
	if (!json_is_object(body) || !json_is_integer(year) ||
	    (agency && !json_is_string(agency))) {
		json_decref(body);
		http_problem(
		    resp, 400, "I1007",
		    "an approval is {\"year\": Y} or {\"year\": Y, \"agency\": CODE}",
		    "The year is an integer; the agency, for an admin, a code of list agencies.",
		    NULL);
		return;
	}
	const char *code = agency_of(who, json_string_value(agency), resp);
	if (!code) {
		json_decref(body);
		if (who->role == ROLE_ADMIN)
			http_problem(resp, 400, "I1007", "an admin names the agency",
				     "{\"year\": Y, \"agency\": CODE}", NULL);
		return;
	}
	char by[32];
	snprintf(by, sizeof by, "token %d", who->token_id);
	struct wq_error e;
	PGconn *conn = http_db(req);
	long y = (long)json_integer_value(year);
	if (!conn || approval_set(conn, in->audit_key, &in->lists, code, y, by, 0, &e) < 0) {
		json_decref(body);
		if (!conn || !strncmp(e.code, "S2", 2)) {
			unreachable(resp);
		} else if (!strcmp(e.code, "S3015")) { /* a load writes cases: soon again */
			http_problem_error(resp, 503, &e);
			resp->retry_after = 5;
		} else {
			http_problem_error(resp, 422, &e);
		}
		return;
	}
	json_t *out =
	    json_pack("{s:s,s:i,s:s}", "agency", code, "year", (int)y, "state", "approved");
	json_decref(body);
	http_json(resp, 200, out);
}

void intake_approvals_get(struct http_request *req, struct http_response *resp)
{
	const char *code = agency_of(http_principal(req), http_query(req, "agency"), resp);
	if (!code && http_principal(req)->role != ROLE_ADMIN)
		return;
	struct wq_error e;
	PGconn *conn = http_db(req);
	json_t *list = conn ? approval_list(conn, code, &e) : NULL;
	if (!list) {
		unreachable(resp);
		return;
	}
	http_json(resp, 200, json_pack("{s:o}", "approvals", list));
}
