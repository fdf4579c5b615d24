/* Every route of wiqaya-etl serve: a row here and a handler file (etl/intake_*.c). */
#include "etl/intake/intake.h"

#include <ctype.h>
#include <string.h>

static const char *const atomic_params[] = {"atomic", NULL};
static const char *const agency_params[] = {"agency", NULL};

const struct http_route intake_routes[] = {
    {"GET", "/healthz", intake_health_get, NULL,
     ROLE_PUBLIC | ROLE_SUBMITTER | ROLE_ADMIN | ROLE_MONITOR},
    {"GET", "/metrics", intake_metrics_get, NULL, ROLE_MONITOR | ROLE_ADMIN},
    {"POST", "/api/v1/cases", intake_cases_post, atomic_params, ROLE_SUBMITTER},
    {"GET", "/api/v1/batches/*", intake_batch_get, NULL, ROLE_SUBMITTER | ROLE_ADMIN},
    {"DELETE", "/api/v1/batches/*", intake_batch_delete, NULL, ROLE_ADMIN},
    {"POST", "/api/v1/population", intake_population_post, atomic_params, ROLE_ADMIN},
    {"GET", "/api/v1/quality", intake_quality_get, agency_params, ROLE_SUBMITTER | ROLE_ADMIN},
    {"POST", "/api/v1/approvals", intake_approvals_post, NULL, ROLE_SUBMITTER | ROLE_ADMIN},
    {"GET", "/api/v1/approvals", intake_approvals_get, agency_params, ROLE_SUBMITTER | ROLE_ADMIN},
};
const size_t intake_nroutes = sizeof intake_routes / sizeof intake_routes[0];

void intake_media_type(struct http_request *req, char *out, size_t size)
{
	const char *ct = http_header(req, "Content-Type");
	size_t n = 0;
	if (ct) {
		while (*ct == ' ')
			ct++;
		for (; ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < size; n++)
			out[n] = (char)tolower((unsigned char)ct[n]);
	}
	out[n] = '\0';
}
