/* wiqaya-etl approve AGENCY YEAR|FROM-TO: an admin's approval of an agency's year for the official
 * releases (etl/ops/approval.h); wiqaya-etl approvals [AGENCY]: the approvals, reopened or
 * not. An agency's own submitter approves over the intake (POST /api/v1/approvals). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit_chain.h"
#include "common/keyfile.h"
#include "etl/commands.h"
#include "etl/ops/approval.h"

int cmd_approve(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	char *end;
	if (argc != 3)
		return cli_usage_error(ctx);
	/* YEAR, or FROM-TO: each year of it. */
	long from = strtol(argv[2], &end, 10), to = from;
	if (*end == '-' && end != argv[2]) {
		const char *rest = end + 1;
		to = strtol(rest, &end, 10);
		if (end == rest)
			return cli_usage_error(ctx);
	}
	if (*end || end == argv[2] || to < from || to - from > 300)
		return cli_usage_error(ctx);
	struct codelists lists;
	if (codelists_load(&lists, ctx->cfg->codelists_dir, &e) < 0)
		return cli_fail(&e);
	/* The audit chain's key comes from the token key, as the intake's does. */
	uint8_t *token_key =
	    keyfile_read(ctx->cfg->token_key, "token key", "wiqaya-server keygen", &e);
	if (!token_key) {
		codelists_free(&lists);
		return cli_fail(&e);
	}
	uint8_t *audit_key = sodium_malloc(AUDIT_KEY_BYTES);
	if (!audit_key)
		abort();
	audit_chain_key(token_key, audit_key);
	int rc = 0;
	for (long y = from; y <= to && rc == 0; y++)
		if ((rc = approval_set(ctx->conn, audit_key, &lists, argv[1], y, "cli", 1, &e)) ==
		    0)
			printf("%s approved %ld\n", argv[1], y);
	sodium_free(audit_key);
	keyfile_free(token_key);
	codelists_free(&lists);
	return rc < 0 ? cli_fail(&e) : 0;
}

int cmd_approvals(struct cli_ctx *ctx, int argc, char **argv)
{
	struct wq_error e;
	if (argc > 2)
		return cli_usage_error(ctx);
	json_t *list = approval_list(ctx->conn, argc == 2 ? argv[1] : NULL, &e);
	if (!list)
		return cli_fail(&e);
	size_t i;
	json_t *a;
	printf("agency\tyear\tstate\tapproved_at\treopened_at\n");
	json_array_foreach (list, i, a) {
		const char *reopened = json_string_value(json_object_get(a, "reopened_at"));
		printf("%s\t%d\t%s\t%s\t%s\n", json_string_value(json_object_get(a, "agency")),
		       (int)json_integer_value(json_object_get(a, "year")),
		       json_string_value(json_object_get(a, "state")),
		       json_string_value(json_object_get(a, "approved_at")),
		       reopened ? reopened : "");
	}
	json_decref(list);
	return 0;
}
