/* Periods (docs/privacy.md, "Periods"): a token is answered from one data version a period
 * and every cell it is given takes the period's id as its epoch, so nothing a change of
 * the data does shows inside a period, and a new period draws every cell anew whatever
 * changed. A period is a row of auth.period, started by the column engine at the first
 * calendar period of [disclosure] release_days it has not answered in (the published
 * product's calendar, public_release_period), by an admin (wiqaya-server period new), or
 * by a server that must answer and can read neither the period's version from memory nor
 * from the database (reason "version": started after a refresh, or answering from SQL
 * after one). The servers hear of each new period (common/version.h). */
#ifndef WQ_PERIOD_H
#define WQ_PERIOD_H

#include <libpq-fe.h>

#include "common/config.h"
#include "common/error.h"
#include "common/version.h"

/* Whether p is the period of the calendar now (it started in this calendar period, or
 * a later one by another server's clock). */
int period_is_current(const struct data_period *p, const struct wq_config *cfg);

/* Starts the period after `after` (0: none yet) at data version `version` (0: the
 * database's now), unless another server started it first (or, for reason "calendar",
 * one of this calendar period exists); *out is then the latest period, whichever started
 * it, and w knows it. 1 it started it, 0 another did, -1 on failure. In a transaction,
 * the period is another server's until its commit. */
int period_start(PGconn *conn, struct version_watch *w, const struct wq_config *cfg,
		 long long after, long long version, const char *reason, struct data_period *out,
		 struct wq_error *e);

/* The latest period in the database (*out zero when none). */
int period_latest(PGconn *conn, struct data_period *out, struct wq_error *e);

#endif
