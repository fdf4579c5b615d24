/* The configuration every program reads (INI, parsed with libinih). Defaults are those of
 * config/wiqaya.conf.example; a file may set any subset. Strings are owned by the struct. */
#ifndef WQ_CONFIG_H
#define WQ_CONFIG_H

#include "common/error.h"

struct wq_config {
	char *path; /* the file it came from */

	char *db_host, *db_name, *db_admin_user, *db_loader_user, *db_reader_user;
	char *db_passwords; /* a folder of ROLE.pgpass files (common/db.h); "" none */
	int db_port, db_connect_timeout, db_connect_retries;

	char *codelists_dir, *migrations_dir, *indicators_path, *standards_path, *costs_path,
	    *openapi_path, *web_dir;
	char *functions_dir; /* sql/functions; "" beside the migrations (their ../functions) */
	char *pseudonym_key, *noise_key, *token_key;

	char *default_id_country;
	int child_retention_months, max_record_bytes;
	int max_rejects, reject_share_after; /* a batch past these is mostly garbage */
	double max_reject_share;

	char *server_listen, *intake_listen;
	char *trusted_proxy;	  /* the address whose X-Forwarded-For is believed; "" none */
	char *embed_ancestors;	  /* who may frame /embed (a CSP source list); "" nobody */
	char *tls_cert, *tls_key; /* PEM files; "" none */
	int behind_tls_proxy;
	int column_engine; /* [server] column_engine: answers from columns in memory */
	int cache_mb;	   /* [server] cache_mb: the answer cache's bound (server/cache.h) */
	int server_port, server_threads, intake_port, intake_threads;
	int refresh_delay;	  /* seconds: the most an accepted case waits for the analytics */
	int idempotency_hours;	  /* how long an Idempotency-Key is remembered */
	int group_cases;	  /* the most cases the intake commits in one transaction */
	int statement_timeout_ms; /* per statement of a request (the HTTP servers' connections) */

	int max_body_bytes, max_records, max_json_depth, max_url_bytes, max_array_items;
	double
	    rate_per_token; /* requests per second per token (a second's worth of burst); 0 none */
	int connection_timeout, header_timeout, connections_per_ip, max_connections;
	int min_body_rate; /* bytes/s a body must keep up after header_timeout's grace */
	double auth_failures_per_minute; /* per client, a minute's worth of burst; 0 none */

	/* Noise (docs/privacy.md): a fresh part of scale noise_scale, keyed by the cell and
	 * its children (what epsilon pays for), and a fixed part of scale fixed_noise_scale
	 * keyed by the cell alone, the same at every data version (0: none). */
	double noise_scale, fixed_noise_scale;
	double budget_policy, budget_researcher, budget_admin, budget_public;
	int floor, threshold, max_dims_policy, max_dims_researcher, budget_days;
	/* Each measure of each cell is published at floor + a secret raise of 0..floor_spread
	 * children, keyed by its definition (docs/privacy.md, "The floor"). */
	int floor_spread;
	int release_days; /* the public tables are released once per this many days */
	/* The published product by official release (docs/releases.md) instead of the
	 * calendar: answered from the newest published release; an agency's year counts once
	 * approved, or (grace_days > 0) that many days after its year ended or was reopened. */
	int official_releases, approval_grace_days;
	/* Official releases' planned days, "YYYY-MM-DD ..." (the advance release calendar
	 * of official statistics; the dashboard shows the next ones). */
	char *release_calendar;
	char *public_tables; /* the dashboard's fixed queries; "" no public view */

	int audit_queue, audit_flush_ms;

	char *log_level;
};

/* Loads PATH over the defaults. On error returns -1 with e naming the file, the line and
 * the key (S1001 missing file, S1002 syntax, S1003 unknown key, S1004 bad value); the
 * struct then holds defaults and must still be freed. */
int config_load(struct wq_config *c, const char *path, struct wq_error *e);
void config_defaults(struct wq_config *c);
void config_free(struct wq_config *c);

#endif
