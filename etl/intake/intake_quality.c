/* GET /api/v1/quality: the quality of an agency's data (etl/ops/quality.h), as
 * `wiqaya-etl quality --format csv` prints it, for the agency's own submitter (its agency's
 * months only: ?agency= names no other) and for an admin (every agency, or ?agency=). The
 * same rows the data officer reads: cases received and missing months, the median delays
 * from the abuse to the report and from the report to its submission, and the outlier
 * flags of the monthly counts (the rejected records are in the text report, and a
 * batch's in GET /api/v1/batches/{id}). They are counts of one
 * agency's own cases, which its submitter sent: no one reads another agency's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl/intake/intake.h"
#include "etl/ops/quality.h"

void intake_quality_get(struct http_request *req, struct http_response *resp)
{
	const struct principal *who = http_principal(req);
	const char *agency = http_query(req, "agency");
	if (who->role != ROLE_ADMIN) {
		/* Any other agency is refused alike, whether it exists or not. */
		if (agency && strcmp(agency, who->agency) != 0) {
			http_problem(resp, 403, "I1003", "another agency's quality",
				     "A submitter reads its own agency's quality only.", NULL);
			return;
		}
		agency = who->agency;
	}
	PGconn *conn = http_db(req);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct wq_error e;
	err_set(&e, "S2001", "the report could not be made");
	int rc = conn && out ? quality_report(conn, agency, QUALITY_CSV, out, &e) : -1;
	if (out)
		fclose(out);
	if (rc < 0 && (!conn || !strncmp(e.code, "S2", 2))) {
		free(text);
		http_db_reset();
		http_problem(resp, 503, "S2001", "the warehouse cannot be reached", NULL, NULL);
		resp->retry_after = 1;
		return;
	}
	if (rc < 0) {
		free(text);
		http_problem_error(resp, 404, &e);
		return;
	}
	http_text(resp, 200, "text/csv; charset=utf-8; header=present", text, len);
	free(text);
}
