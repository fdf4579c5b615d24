/* The analytics data version, kept current by LISTEN wiqaya_data_version (every rebuild
 * notifies at commit) on a connection of its own, so that a cached answer needs no query
 * to know it is current. 0 while the connection is down or not yet made: then the
 * protection layer reads the version from the database, as it did without it. The same
 * connection LISTENs wiqaya_tokens (sql/functions/auth.tokens_changed.sql) for the token cache:
 * each change invalidates it, and it is off (live = 0) whenever a change could have been missed
 * (its read barrier runs on each thread's connection, common/token.h).
 * Both servers run one: the intake for its token cache only. */
#ifndef WQ_VERSION_H
#define WQ_VERSION_H

#include "common/config.h"
#include "common/token.h"

struct version_watch;

/* Starts the watcher, connecting as DB_USER (the server's reader, the intake's loader). */
struct version_watch *version_watch_start(const struct wq_config *cfg, const char *db_user,
					  struct token_cache *tokens);
void version_watch_stop(struct version_watch *w);
/* The current data version, or 0 when unknown. */
long long version_watch_get(struct version_watch *w);

/* The latest period tokens are answered in (auth.period, docs/privacy.md "Periods"): its
 * id (the epoch of its answers), the data version it answers from and the calendar period
 * it started in. The same connection LISTENs wiqaya_period for new ones. */
struct data_period {
	long long id, version;
	int calendar;
};
/* 0 and *p when the watcher knows one (its connection up), else -1 and *p zero. */
int version_watch_period(struct version_watch *w, struct data_period *p);
/* A period this program started itself, known before its notice comes back. */
void version_watch_period_seen(struct version_watch *w, const struct data_period *p);

#endif
