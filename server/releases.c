/* GET /api/v1/releases and /api/v1/releases/{id}: the official releases (docs/releases.md)
 * for everyone: each one's dates, data version and years; one release whole, with what it
 * holds and misses per agency, its tables and its revision note. Drafts are an admin's
 * only. A published release is the same bytes for ever (ETag). */
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "server/release.h"
#include "server/routes.h"

static void failed(const struct wq_error *e, struct http_response *resp)
{
	if (!strcmp(e->code, "R1001")) {
		http_problem(resp, 404, "R1001", "no such release", e->message,
			     "GET /api/v1/releases lists the published releases.");
		return;
	}
	http_db_reset();
	http_problem(resp, 503, "S2001", "database unavailable",
		     "The analytics database cannot be reached.", NULL);
	resp->retry_after = 5;
}

void releases_get(struct http_request *req, struct http_response *resp)
{
	struct wq_error e = {0};
	PGconn *conn = http_db(req);
	int drafts = http_principal(req)->role == ROLE_ADMIN;
	json_t *list = conn ? release_list(conn, drafts, &e) : NULL;
	if (!list) {
		failed(&e, resp);
		return;
	}
	http_json(resp, 200, json_pack("{s:o}", "releases", list));
}

void release_get_route(struct http_request *req, struct http_response *resp)
{
	const char *tail = strrchr(http_path(req), '/') + 1;
	char *end;
	long id = strtol(tail, &end, 10);
	if (*end || end == tail || id <= 0 || id > 1000000) {
		http_problem(resp, 404, "R1001", "no such release",
			     "A release is a positive integer.",
			     "GET /api/v1/releases lists the published releases.");
		return;
	}
	struct wq_error e = {0};
	PGconn *conn = http_db(req);
	int drafts = http_principal(req)->role == ROLE_ADMIN;
	json_t *r = conn ? release_get(conn, (int)id, drafts, &e) : NULL;
	if (!r) {
		failed(&e, resp);
		return;
	}
	int published = !strcmp(json_string_value(json_object_get(r, "status")), "published");
	http_json(resp, 200, r);
	if (published)
		http_etag_body(resp);
}
