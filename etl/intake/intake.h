/* wiqaya-etl serve: the intake API (docs/intake.md, api.md "Intake"). The process that
 * holds the pseudonymisation key takes agencies' cases over HTTP (the HTTP core of
 * common/http.h, tokens of role submitter), validates and pseudonymises them with the
 * batch loader's code on the request threads, and commits them in groups (committer.h);
 * the refresher (refresher.h) brings the analytics tables up to date after. */
#ifndef WQ_INTAKE_H
#define WQ_INTAKE_H

#include "common/codelist.h"
#include "common/config.h"
#include "common/http.h"
#include "common/version.h"
#include "etl/intake/committer.h"
#include "etl/pseudonym/keys.h"
#include "etl/load/refresher.h"

struct intake {
	const struct wq_config *cfg;
	struct codelists lists;
	struct keys *keys;
	uint8_t *token_key, *audit_key; /* sodium_malloc'd */
	struct committer *committer;
	struct refresher *refresher;
	struct token_cache *tokens;  /* checked tokens, trusted while the watcher hears */
	struct version_watch *watch; /* LISTEN wiqaya_tokens (common/version.h) */
};

/* The routes (etl/intake/intake_routes.c) and their handlers, one file each. */
extern const struct http_route intake_routes[];
extern const size_t intake_nroutes;

void intake_cases_post(struct http_request *req, struct http_response *resp);
void intake_batch_get(struct http_request *req, struct http_response *resp);
void intake_batch_delete(struct http_request *req, struct http_response *resp);
void intake_quality_get(struct http_request *req, struct http_response *resp);
void intake_approvals_post(struct http_request *req, struct http_response *resp);
void intake_approvals_get(struct http_request *req, struct http_response *resp);
void intake_population_post(struct http_request *req, struct http_response *resp);
void intake_health_get(struct http_request *req, struct http_response *resp);
void intake_metrics_get(struct http_request *req, struct http_response *resp);

/* The media type of the request's Content-Type, lower case, without parameters. */
void intake_media_type(struct http_request *req, char *out, size_t size);

#endif
