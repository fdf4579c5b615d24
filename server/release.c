/* Official releases (see release.h). */
#include "server/release.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/audit_chain.h"
#include "common/db.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "server/ledger.h"
#include "server/noise.h"
#include "server/sensitivity.h"
#include "stats/disclosure.h"

#define ISO_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static int audit(const struct release_maker *m, PGconn *conn, const char *action, int id,
		 const char *by, struct wq_error *e)
{
	json_t *j =
	    json_pack("{s:s,s:s,s:i,s:s}", "kind", "release", "action", action, "id", id, "by", by);
	char *body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	int rc = audit_append(conn, m->audit_key, "release", body, e);
	free(body);
	return rc;
}

static void rollback(PGconn *conn)
{
	PQclear(PQexec(conn, "ROLLBACK"));
}

/* ---- cells by their values ---- */

static void cell_key(const struct product_cube *c, size_t i, struct strbuf *k)
{
	sb_reset(k);
	for (int d = 0; d < c->base->ndims; d++) {
		const char *v = c->values[i * (size_t)c->base->ndims + (size_t)d];
		sb_puts(k, v ? v : "\x1e");
		sb_putc(k, '\x1f');
	}
}

struct keyed {
	char *key;
	size_t at;
};

static int cmp_keyed(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* ---- the years a release holds ---- */

/* 1 January of year y, UTC. */
static time_t year_start(int y)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mday = 1};
	return timegm(&tm);
}

/* An agency's year: approved (and not reopened since), or why not. */
enum standing { APPROVED, REOPENED, NOT_APPROVED };

/* The years of a release made now, first to *held (0: none), and its account of them
 * (*holds). A year is held when every agency of the code list approved it (or, with
 * approval_grace_days, that many days passed since the year ended or a change reopened it),
 * or when a published release held it (a released year is never withdrawn); the held years
 * are those up to the first that is neither. A released year that not every agency has
 * approved since is *carried* (carried[y - first] set): its cells are the newest published
 * release's, so a release changes a released year only once every agency approved it
 * again, and no change of one agency's cases alone (a withdrawal, a resubmission) can be
 * differenced out of two releases. Per agency: the years it approved, the held years it has
 * not (flagged: reopened, or not approved), and the later years it has not approved
 * (missing). A year is released whole or not at all: a release that held some agencies'
 * cases of a year and not others' would let two releases be differenced agency by agency.
 * Returns 0 or -1 with e set. */
static int span_make(const struct release_maker *m, PGconn *conn, int first, int last, int *held,
		     int *carried, json_t **holds, struct wq_error *e)
{
	const struct code_list *ag = codelists_get(m->lists, "agencies");
	if (!ag || ag->n == 0) {
		err_set(e, "R1004", "there is no agency to approve a year (agencies.csv)");
		return -1;
	}
	PGresult *r = db_exec(conn, e,
			      "SELECT agency, year, extract(epoch FROM reopened_at)::bigint "
			      "FROM analytics.approvals()",
			      0, NULL);
	PGresult *ranges = r ? db_exec(conn, e,
				       "SELECT first_year, last_year FROM auth.release "
				       "WHERE published_at IS NOT NULL",
				       0, NULL)
			     : NULL;
	if (!ranges) {
		PQclear(r);
		return -1;
	}
	size_t na = ag->n, ny = (size_t)(last - first + 1);
	enum standing *st = xcalloc(na * ny + 1, sizeof *st);
	int *counts = xcalloc(na * ny + 1, sizeof *counts); /* approved, or past the grace */
	time_t now = time(NULL);
	double grace = m->cfg->approval_grace_days * 86400.0;
	for (size_t a = 0; a < na; a++)
		for (size_t y = 0; y < ny; y++) {
			int year = first + (int)y, row = -1;
			for (int i = 0; i < PQntuples(r) && row < 0; i++)
				if (atoi(PQgetvalue(r, i, 1)) == year &&
				    strcmp(PQgetvalue(r, i, 0), ag->items[a].code) == 0)
					row = i;
			size_t at = a * ny + y;
			time_t since = year_start(year + 1);
			st[at] = row < 0		  ? NOT_APPROVED
				 : PQgetisnull(r, row, 2) ? APPROVED
							  : REOPENED;
			if (st[at] == REOPENED)
				since = (time_t)atoll(PQgetvalue(r, row, 2));
			counts[at] =
			    st[at] == APPROVED || (grace > 0 && difftime(now, since) >= grace);
		}
	PQclear(r);
	*held = 0;
	for (int year = first; year <= last; year++) {
		int all = 1, released = 0;
		for (size_t a = 0; a < na; a++)
			all &= counts[a * ny + (size_t)(year - first)];
		for (int i = 0; i < PQntuples(ranges); i++)
			released |= atoi(PQgetvalue(ranges, i, 0)) <= year &&
				    year <= atoi(PQgetvalue(ranges, i, 1));
		if (!all && !released)
			break;
		carried[year - first] = !all;
		*held = year;
	}
	PQclear(ranges);
	static const char *const why[] = {[REOPENED] = "reopened", [NOT_APPROVED] = "not approved"};
	json_t *list = json_array(), *kept = json_array();
	for (int year = first; year <= *held; year++)
		if (carried[year - first])
			json_array_append_new(kept, json_integer(year));
	for (size_t a = 0; a < na; a++) {
		json_t *approved = json_array(), *flagged = json_array(), *missing = json_array();
		for (size_t y = 0; y < ny; y++) {
			int year = first + (int)y;
			enum standing s = st[a * ny + y];
			if (s == APPROVED && year <= *held)
				json_array_append_new(approved, json_integer(year));
			else if (s != APPROVED)
				json_array_append_new(
				    year <= *held ? flagged : missing,
				    json_pack("{s:i,s:s}", "year", year, "why", why[s]));
		}
		const struct code_item *it = &ag->items[a];
		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "agency", it->code, "label_en",
				    it->label_en, "label_ar", it->label_ar, "approved", approved,
				    "flagged", flagged, "missing", missing));
	}
	free(st);
	free(counts);
	*holds = json_pack("{s:o,s:o}", "carried", kept, "agencies", list);
	return 0;
}

/* The cells of the carried years of cube c (carried[y - first]) as the previous release
 * published them (prev: its cube of the same table): truth and noise, so they are published
 * as they were; was[i] set for each. -1 when a carried cell has none there (a table listed
 * since, or a code added): it cannot be published freshly (one agency's change alone would
 * show), nor as it was. */
static int carry(struct product_cube *c, const struct product_cube *prev, const int *carried,
		 int first, uint8_t *was)
{
	int year = -1;
	for (int d = 0; d < c->base->ndims; d++)
		if (c->base->dims[d].dim->kind == DIM_YEAR)
			year = d;
	if (year < 0)
		return 0; /* public.c: every published table has the year */
	size_t nd = (size_t)c->base->ndims, n = prev ? prev->n : 0;
	struct keyed *old = xcalloc(n + 1, sizeof *old);
	struct strbuf k;
	sb_init(&k);
	for (size_t j = 0; j < n; j++) {
		cell_key(prev, j, &k);
		old[j] = (struct keyed){xstrdup(k.data), j};
	}
	qsort(old, n, sizeof *old, cmp_keyed);
	int rc = 0;
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		const char *y = c->values[i * nd + (size_t)year];
		if (!y || !carried[atoi(y) - first])
			continue;
		cell_key(c, i, &k);
		struct keyed probe = {k.data, 0};
		const struct keyed *hit =
		    n ? bsearch(&probe, old, n, sizeof *old, cmp_keyed) : NULL;
		if (!hit) {
			rc = -1;
			break;
		}
		memcpy(&c->truth[i * 3], &prev->truth[hit->at * 3], 3 * sizeof *c->truth);
		memcpy(&c->noise[i * 3], &prev->noise[hit->at * 3], 3 * sizeof *c->noise);
		/* (Its raises too: a release made before raises carries none, as published.) */
		memcpy(&c->raise[i * 3], &prev->raise[hit->at * 3], 3 * sizeof *c->raise);
		was[i] = 1;
	}
	/* Raises carried from a release of a wider spread (another key's) stay within the
	 * spread the release states. */
	if (prev && prev->spread > c->spread)
		c->spread = prev->spread;
	for (size_t j = 0; j < n; j++)
		free(old[j].key);
	free(old);
	sb_free(&k);
	return rc;
}

/* ---- create, publish, drop ---- */

static void id_text(int id, char out[16])
{
	snprintf(out, 16, "%d", id);
}

/* Removes draft id whole (in the caller's transaction). */
static int delete_draft(PGconn *conn, int id, struct wq_error *e)
{
	char idtext[16];
	id_text(id, idtext);
	const char *params[] = {idtext};
	static const char *const sql[] = {
	    "DELETE FROM auth.release_table WHERE release = $1::int",
	    "DELETE FROM auth.release_population WHERE release = $1::int",
	    "DELETE FROM auth.release WHERE id = $1::int"};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
		if (db_run(conn, e, sql[i], 1, params) < 0)
			return -1;
	return 0;
}

/* Drops a draft whose making failed (its own transaction; logged if that fails too). */
static void abandon(PGconn *conn, int id)
{
	struct wq_error e;
	if (db_run(conn, &e, "BEGIN", 0, NULL) < 0 || delete_draft(conn, id, &e) < 0 ||
	    db_run(conn, &e, "COMMIT", 0, NULL) < 0) {
		log_error("%s: %s", e.code, e.message);
		rollback(conn);
	}
}

/* Measures, charges and stores every listed table for draft id (data version version,
 * years first to last, the carried ones as release prev published them), then marks it
 * complete. */
static int measure_all(const struct release_maker *m, PGconn *conn, int id, long long version,
		       int first, int last, const int *carried, int prev, struct wq_error *e)
{
	char idtext[16];
	id_text(id, idtext);
	int stored = 0, failed = 0, any = 0, rc = 0;
	for (int y = first; y <= last; y++)
		any |= carried[y - first];
	struct product_cube **kept =
	    any && prev ? product_release_tables(m->product, conn, prev, &failed) : NULL;
	if (failed) {
		err_set(e, "S2002", "release %d's tables could not be read", prev);
		return -1;
	}
	for (size_t t = 0; t < m->pt->n && rc == 0; t++) {
		if (m->pt->st[t])
			continue; /* a standardised line: answered from its base table */
		int cap = 4, empty = 0;
		uint8_t *ids = NULL;
		size_t nids = 0;
		struct product_cube *c =
		    product_measure(m->product, conn, t, last, &cap, &ids, &nids, &empty);
		if (!c) {
			free(ids);
			if (empty)
				continue; /* no cell in its layout (or too many): no such table */
			rc = err_set(e, "S2002", "the table \"%s\" could not be measured",
				     m->pt->text[t]);
			break;
		}
		if (c->version != version) {
			free(ids);
			product_cube_free(c);
			rc = err_set(e, "R1007", "the data changed while the release was measured");
			err_hint(e, "Create the release again.");
			break;
		}
		if (kept) {
			/* Carried cells are published as they were, and were paid for then. */
			uint8_t *was = xcalloc(c->n + 1, 1);
			if (carry(c, kept[t], carried, first, was) < 0) {
				free(was);
				free(ids);
				product_cube_free(c);
				rc = err_set(e, "R1010",
					     "the table \"%s\" cannot carry its released years",
					     m->pt->text[t]);
				err_detail(
				    e,
				    "It has cells release %d did not publish (a table listed "
				    "since, or a code added).",
				    prev);
				err_hint(e, "Every agency approves the carried years again first "
					    "(wiqaya-etl approvals).");
				break;
			}
			/* measure() writes each cell's identities in order, one a measure. */
			size_t measures = c->base->ind->type == IND_PROPORTION ? 3 : 1,
			       kept_ids = 0;
			if (measures * c->n != nids)
				abort();
			for (size_t i = 0; i < c->n; i++)
				for (size_t mm = 0; mm < measures; mm++)
					if (!was[i])
						memmove(ids + 16 * kept_ids++,
							ids + 16 * (i * measures + mm), 16);
			nids = kept_ids;
			free(was);
		}
		struct principal pub = {0, ROLE_PUBLIC, ""};
		struct charge ch;
		double epsilon = sensitivity_of(&m->pt->q[t], m->lists, cap) / m->cfg->noise_scale;
		int charged =
		    ledger_charge(conn, NULL, m->cfg, &pub, ids, nids, epsilon, 0, &ch, e);
		free(ids);
		if (charged == 1) {
			product_cube_free(c);
			rc =
			    err_set(e, "R1005", "the public budget cannot pay for the table \"%s\"",
				    m->pt->text[t]);
			err_detail(e, "It costs %.3g; %.3g of %.3g is left.", epsilon, ch.remaining,
				   ch.budget);
			err_hint(e,
				 "[disclosure] budget_public and budget_days bound how often the "
				 "product can be measured again.");
			break;
		}
		char *body = charged == 0 ? product_cube_text(c) : NULL;
		product_cube_free(c);
		const char *params[] = {idtext, m->pt->text[t], body};
		rc = charged < 0 ? -1
				 : db_run(conn, e,
					  "INSERT INTO auth.release_table (release, query, body) "
					  "VALUES ($1::int, $2, $3)",
					  3, params);
		free(body);
		stored += rc == 0;
	}
	product_tables_free(m->product, kept);
	if (rc < 0)
		return -1;
	if (stored == 0) {
		err_set(e, "R1004", "no table of the published product has data to release");
		return -1;
	}
	const char *params[] = {idtext};
	return db_run(conn, e, "UPDATE auth.release SET complete = true WHERE id = $1::int", 1,
		      params);
}

int release_create(const struct release_maker *m, PGconn *conn, const char *by, const char *note,
		   int *id, struct wq_error *e)
{
	PGresult *v = db_exec(
	    conn, e, "SELECT version, first_year, last_year FROM analytics.data_version", 0, NULL);
	if (!v)
		return -1;
	if (PQntuples(v) != 1 || PQgetisnull(v, 0, 1)) {
		PQclear(v);
		err_set(e, "R1004", "there are no data to release");
		return -1;
	}
	long long version = atoll(PQgetvalue(v, 0, 0));
	int first = atoi(PQgetvalue(v, 0, 1)), last = atoi(PQgetvalue(v, 0, 2));
	PQclear(v);
	/* Under the scales the noise key has always published under (two scales would let
	 * two releases be solved for a cell's true count). */
	if (noise_rules_check(conn, m->cfg, m->keys, e) < 0)
		return -1;
	/* The newest published release: the cells a carried year keeps. */
	PGresult *p = db_exec(conn, e,
			      "SELECT id FROM auth.release WHERE published_at IS NOT NULL "
			      "ORDER BY id DESC LIMIT 1",
			      0, NULL);
	if (!p)
		return -1;
	int prev = PQntuples(p) ? atoi(PQgetvalue(p, 0, 0)) : 0;
	PQclear(p);
	int *carried = xcalloc((size_t)(last - first + 2), sizeof *carried);
	int held = 0;
	json_t *holds = NULL;
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0 ||
	    span_make(m, conn, first, last, &held, carried, &holds, e) < 0) {
		rollback(conn);
		free(carried);
		return -1;
	}
	if (held == 0) {
		rollback(conn);
		free(carried);
		json_decref(holds);
		err_set(e, "R1004", "not every agency has approved %d, the data's first year",
			first);
		err_hint(e,
			 "An agency approves a year over the intake (POST /api/v1/approvals), an "
			 "admin with wiqaya-etl approve; wiqaya-etl approvals lists them.");
		return -1;
	}
	PGresult *n = db_exec(conn, e, "SELECT nextval('auth.release_id_seq')", 0, NULL);
	if (!n) {
		rollback(conn);
		free(carried);
		json_decref(holds);
		return -1;
	}
	*id = atoi(PQgetvalue(n, 0, 0));
	PQclear(n);
	char idtext[16], vtext[24], f[8], l[8], floor[16], threshold[16], scale[32], fixed[32];
	id_text(*id, idtext);
	snprintf(vtext, sizeof vtext, "%lld", version);
	snprintf(f, sizeof f, "%d", first);
	snprintf(l, sizeof l, "%d", held);
	snprintf(floor, sizeof floor, "%d", m->cfg->floor);
	snprintf(threshold, sizeof threshold, "%d", m->cfg->threshold);
	snprintf(scale, sizeof scale, "%.17g", m->cfg->noise_scale);
	snprintf(fixed, sizeof fixed, "%.17g", m->cfg->fixed_noise_scale);
	/* The noise key and function drawing its cells (the next revision note compares by
	 * them; noise_rules_check above set the function). */
	char key_id[33], function[8], prevtext[16];
	noise_key_id(m->keys, key_id);
	snprintf(function, sizeof function, "%d",
		 __atomic_load_n(&m->keys->noise_prf, __ATOMIC_ACQUIRE));
	id_text(prev, prevtext);
	int carries = 0;
	for (int y = first; y <= held; y++)
		carries |= carried[y - first];
	/* The release it follows: publishing after another one is published is refused. */
	json_object_set_new(holds, "after", json_integer(prev));
	char *text = json_dumps(holds, JSON_COMPACT);
	json_decref(holds);
	const char *params[] = {
	    idtext,    by,    vtext, f,	     l,	       note ? note : "",	   text,    floor,
	    threshold, scale, fixed, key_id, function, carries ? "true" : "false", prevtext};
	int rc =
	    db_run(
		conn, e,
		"INSERT INTO auth.release (id, created_by, data_version, first_year, "
		"last_year, note, holds, floor, threshold, noise_scale, fixed_noise_scale, "
		"noise_key_id, noise_function, noise_mixed) "
		"VALUES ($1::int, $2, $3::bigint, $4::smallint, $5::smallint, $6, "
		"$7::jsonb, $8::int, $9::int, $10::float8, $11::float8, "
		"decode($12, 'hex'), $13::smallint, $14::boolean AND coalesce(("
		"  SELECT p.noise_key_id IS DISTINCT FROM decode($12, 'hex') OR "
		"  p.noise_function IS DISTINCT FROM $13::smallint OR "
		"  p.noise_mixed IS NOT FALSE FROM auth.release p WHERE p.id = $15::int), true))",
		15, params) < 0 ||
	    db_run(conn, e,
		   "INSERT INTO auth.release_population SELECT $1::int, year, region, sex, "
		   "age, age_band, dims, population FROM analytics.population",
		   1, params) < 0 ||
	    audit(m, conn, "create", *id, by, e) < 0 || db_run(conn, e, "COMMIT", 0, NULL) < 0;
	free(text);
	if (rc) {
		rollback(conn);
		free(carried);
		return -1;
	}
	rc = measure_all(m, conn, *id, version, first, held, carried, prev, e);
	free(carried);
	if (rc < 0) {
		abandon(conn, *id);
		return -1;
	}
	return 0;
}

/* The release's state under a row lock: RELEASE_PUBLISHED, RELEASE_COMPLETE (a draft ready
 * to publish), RELEASE_INCOMPLETE (a draft still measured, or whose making failed); -1
 * none (R1001) or a database failure. */
enum { RELEASE_INCOMPLETE, RELEASE_COMPLETE, RELEASE_PUBLISHED };
static int locked_state(PGconn *conn, int id, struct wq_error *e)
{
	char idtext[16];
	id_text(id, idtext);
	const char *params[] = {idtext};
	PGresult *r = db_exec(conn, e,
			      "SELECT published_at IS NOT NULL, complete FROM auth.release "
			      "WHERE id = $1::int FOR UPDATE",
			      1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		err_set(e, "R1001", "there is no release %d", id);
		return -1;
	}
	int state = PQgetvalue(r, 0, 0)[0] == 't'   ? RELEASE_PUBLISHED
		    : PQgetvalue(r, 0, 1)[0] == 't' ? RELEASE_COMPLETE
						    : RELEASE_INCOMPLETE;
	PQclear(r);
	return state;
}

/* ---- the revision note ---- */

/* When year y was last measured afresh before the release being published: the creation
 * of the newest published release that did not carry it (hist: the published releases,
 * newest first, their creation as epoch and their carried years); 0 when none did. */
static double measured_since(const PGresult *hist, int y)
{
	for (int i = 0; i < PQntuples(hist); i++) {
		json_t *carried = json_loads(PQgetvalue(hist, i, 1), JSON_DECODE_ANY, NULL);
		int was = 0;
		size_t k;
		json_t *v;
		json_array_foreach (carried, k, v)
			was |= json_integer_value(v) == y;
		json_decref(carried);
		if (!was)
			return atof(PQgetvalue(hist, i, 0));
	}
	return 0;
}

/* The reasons a cell of year y may have moved: the kinds of change to the year's cases
 * since it was last measured (changes: rows of year, kind, the last change's epoch). */
static json_t *reasons_of(const PGresult *changes, const PGresult *hist, int y)
{
	double since = measured_since(hist, y);
	static const struct {
		const char *kind, *reason;
	} names[] = {{"new", "late reports"},
		     {"resubmitted", "resubmissions"},
		     {"reclassified", "reclassification"},
		     {"withdrawn", "withdrawals"}};
	json_t *out = json_array();
	for (size_t n = 0; n < sizeof names / sizeof *names; n++)
		for (int i = 0; i < PQntuples(changes); i++)
			if (atoi(PQgetvalue(changes, i, 0)) == y &&
			    strcmp(PQgetvalue(changes, i, 1), names[n].kind) == 0 &&
			    atof(PQgetvalue(changes, i, 2)) > since)
				json_array_append_new(out, json_string(names[n].reason));
	return out;
}

/* A base cell's published count under its release's rules, as the product publishes it;
 * -1 when the cell is withheld. A share's numerator is published only with its
 * denominator, and never above it (server/protect.c, publish()). */
static long published(const struct product_cube *c, size_t i, int measure)
{
	struct suppression sup = {c->rules.floor, c->rules.threshold};
	long n = dl_noisy(c->truth[i * 3], c->noise[i * 3]);
	int ok = dl_published(&sup, c->truth[i * 3] - c->raise[i * 3], n);
	if (c->base->ind->type != IND_PROPORTION)
		return ok ? n : -1;
	long d = dl_noisy(c->truth[i * 3 + 1], c->noise[i * 3 + 1]);
	if (!ok || !dl_published(&sup, c->truth[i * 3 + 1] - c->raise[i * 3 + 1], d))
		return -1;
	return measure ? d : n < d ? n : d;
}

/* Whether two releases' cells have the same fixed part of the noise: the same draw under
 * the same noise key, function and fixed scale, neither carrying cells drawn under
 * another (else the wider band, when in doubt). Releases that did not record their key
 * (before migration 026) are taken for the same key when their scales agree, as before. */
static int fixed_same(const struct release_rules *a, const struct release_rules *b)
{
	if (a->fixed_scale != b->fixed_scale || a->mixed || b->mixed)
		return 0;
	if (!a->function || !b->function)
		return 1;
	return a->function == b->function && strcmp(a->key_id, b->key_id) == 0;
}

/* The published base cells of cube now that moved by more than their noise from cube
 * before, appended to cells. A cell counts when it is published in both releases (a
 * share's parts when the share is); moved: outside the 95% band of the difference of the
 * noise drawn again (1.96 standard deviations of it: band). */
static size_t compare(const struct product_cube *before, const struct product_cube *now,
		      const PGresult *changes, const PGresult *hist, json_t *cells,
		      size_t *compared)
{
	/* The fresh part of the noise is drawn again when a cell's records changed; the
	 * fixed part is a function of the cell's definition alone (its year, not the data's
	 * span), the same draw in both releases only under the same noise key, function and
	 * scale (fixed_same). */
	double var = dl_variance(before->rules.noise_scale) + dl_variance(now->rules.noise_scale);
	if (!fixed_same(&before->rules, &now->rules))
		var +=
		    (before->rules.fixed_scale > 0 ? dl_variance(before->rules.fixed_scale) : 0) +
		    (now->rules.fixed_scale > 0 ? dl_variance(now->rules.fixed_scale) : 0);
	double band = 1.96 * sqrt(var);
	int year = -1, measures = now->base->ind->type == IND_PROPORTION ? 2 : 1;
	for (int d = 0; d < now->base->ndims; d++)
		if (now->base->dims[d].dim->kind == DIM_YEAR)
			year = d;
	struct keyed *old = xcalloc(before->n + 1, sizeof *old);
	struct strbuf k;
	sb_init(&k);
	for (size_t i = 0; i < before->n; i++) {
		cell_key(before, i, &k);
		old[i] = (struct keyed){xstrdup(k.data), i};
	}
	qsort(old, before->n, sizeof *old, cmp_keyed);
	size_t moved = 0;
	for (size_t i = 0; i < now->n; i++) {
		cell_key(now, i, &k);
		struct keyed probe = {k.data, 0};
		const struct keyed *hit =
		    before->n ? bsearch(&probe, old, before->n, sizeof *old, cmp_keyed) : NULL;
		if (!hit)
			continue;
		for (int mm = 0; mm < measures; mm++) {
			long nn = published(now, i, mm), no = published(before, hit->at, mm);
			if (nn < 0 || no < 0)
				continue;
			(*compared)++;
			if (fabs((double)(nn - no)) <= band)
				continue;
			json_t *cell = json_object();
			const char *const *v = now->values + i * (size_t)now->base->ndims;
			for (int d = 0; d < now->base->ndims; d++)
				json_object_set_new(cell, now->base->dims[d].dim->name,
						    v[d] ? json_string(v[d]) : json_null());
			json_array_append_new(
			    cells,
			    json_pack(
				"{s:s,s:o,s:s,s:I,s:I,s:f,s:o}", "table", now->name, "cell", cell,
				"measure", mm ? "denominator" : "numerator", "previous",
				(json_int_t)no, "now", (json_int_t)nn, "band", band, "reasons",
				year >= 0 && v[year] ? reasons_of(changes, hist, atoi(v[year]))
						     : json_array()));
			moved++;
		}
	}
	for (size_t i = 0; i < before->n; i++)
		free(old[i].key);
	free(old);
	sb_free(&k);
	return moved;
}

/* Release id's revision note against the previous published release (JSON null: none). */
static json_t *revision_note(const struct release_maker *m, PGconn *conn, int id,
			     struct wq_error *e)
{
	char idtext[16];
	id_text(id, idtext);
	const char *params[] = {idtext};
	PGresult *p = db_exec(conn, e,
			      "SELECT id FROM auth.release WHERE published_at IS NOT NULL "
			      "AND id < $1::int ORDER BY id DESC LIMIT 1",
			      1, params);
	if (!p)
		return NULL;
	if (PQntuples(p) == 0) {
		PQclear(p);
		return json_null();
	}
	int prev = atoi(PQgetvalue(p, 0, 0));
	PQclear(p);
	char prevtext[16];
	id_text(prev, prevtext);
	const char *pp[] = {prevtext};
	PGresult *changes = db_exec(conn, e,
				    "SELECT year, kind, last_at FROM analytics.case_changes("
				    "(SELECT created_at FROM auth.release WHERE id = $1::int))",
				    1, params);
	PGresult *hist =
	    changes ? db_exec(conn, e,
			      "SELECT extract(epoch FROM created_at), "
			      "coalesce(holds->'carried', '[]')::text FROM auth.release "
			      "WHERE published_at IS NOT NULL AND id <= $1::int ORDER BY id DESC",
			      1, pp)
		    : NULL;
	int failed = 0;
	struct product_cube **before =
	    hist ? product_release_tables(m->product, conn, prev, &failed) : NULL;
	struct product_cube **now =
	    before ? product_release_tables(m->product, conn, id, &failed) : NULL;
	json_t *note = NULL;
	if (now) {
		json_t *cells = json_array();
		size_t compared = 0, moved = 0;
		for (size_t t = 0; t < m->pt->n; t++)
			if (before[t] && now[t])
				moved +=
				    compare(before[t], now[t], changes, hist, cells, &compared);
		note = json_pack("{s:i,s:I,s:I,s:o}", "previous", prev, "cells_compared",
				 (json_int_t)compared, "cells_moved", (json_int_t)moved, "cells",
				 cells);
	} else if (failed) {
		err_set(e, "S2002", "the releases' tables could not be read");
	}
	product_tables_free(m->product, before);
	product_tables_free(m->product, now);
	PQclear(changes);
	PQclear(hist);
	return note;
}

int release_publish(const struct release_maker *m, PGconn *conn, int id, const char *by,
		    struct wq_error *e)
{
	char idtext[16];
	id_text(id, idtext);
	/* One publication at a time: two drafts made after the same release cannot both be
	 * published (each would see that release as the newest). */
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0 ||
	    db_run(conn, e, "SELECT pg_advisory_xact_lock(hashtext('wiqaya release publish'))", 0,
		   NULL) < 0) {
		rollback(conn);
		return -1;
	}
	int state = locked_state(conn, id, e);
	if (state != RELEASE_COMPLETE) {
		if (state == RELEASE_PUBLISHED) {
			err_set(e, "R1006", "release %d is published and cannot change", id);
			err_hint(e, "Create a new release: it revises this one.");
		} else if (state == RELEASE_INCOMPLETE) {
			err_set(e, "R1008", "release %d is not complete", id);
			err_hint(e, "Its tables are still being measured, or its making failed: "
				    "drop it and create it again.");
		}
		rollback(conn);
		return -1;
	}
	const char *params[] = {idtext};
	/* Made after the newest published release, and none published since: what it carries
	 * and what its note compares are that release's. */
	PGresult *after =
	    db_exec(conn, e,
		    "SELECT coalesce((holds->>'after')::int, 0), (SELECT coalesce(max(id), "
		    "0) FROM auth.release WHERE published_at IS NOT NULL) "
		    "FROM auth.release WHERE id = $1::int",
		    1, params);
	if (!after) {
		rollback(conn);
		return -1;
	}
	int made_after = atoi(PQgetvalue(after, 0, 0)), newest = atoi(PQgetvalue(after, 0, 1));
	PQclear(after);
	if (made_after != newest) {
		rollback(conn);
		err_set(e, "R1006", "release %d was published after release %d was made", newest,
			id);
		err_hint(e, "Drop this draft and create a new release.");
		return -1;
	}
	json_t *note = revision_note(m, conn, id, e);
	if (!note) {
		rollback(conn);
		return -1;
	}
	char *text = json_dumps(note, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(note);
	const char *up[] = {idtext, text};
	int rc = db_run(conn, e,
			"UPDATE auth.release SET published_at = now(), revisions = $2::jsonb "
			"WHERE id = $1::int",
			2, up) < 0 ||
		 audit(m, conn, "publish", id, by, e) < 0 || db_run(conn, e, "COMMIT", 0, NULL) < 0;
	free(text);
	if (rc) {
		rollback(conn);
		return -1;
	}
	return 0;
}

int release_drop(const struct release_maker *m, PGconn *conn, int id, const char *by,
		 struct wq_error *e)
{
	if (db_run(conn, e, "BEGIN", 0, NULL) < 0)
		return -1;
	int state = locked_state(conn, id, e);
	if (state == RELEASE_PUBLISHED) {
		err_set(e, "R1006", "release %d is published and cannot change", id);
		err_hint(e, "A published release stays readable; a new one revises it.");
	}
	if (state < 0 || state == RELEASE_PUBLISHED || delete_draft(conn, id, e) < 0 ||
	    audit(m, conn, "drop", id, by, e) < 0 || db_run(conn, e, "COMMIT", 0, NULL) < 0) {
		rollback(conn);
		return -1;
	}
	return 0;
}

/* ---- reading ---- */

#define RELEASE_COLUMNS                                                                            \
	"id, CASE WHEN published_at IS NOT NULL THEN 'published' WHEN complete THEN 'draft' "      \
	"ELSE 'incomplete' END, " ISO_UTC(                                                         \
	    "created_at") ", "                                                                     \
			  "to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), data_version, " \
			  "first_year, "                                                           \
			  "last_year, note"

static json_t *summary_of(const PGresult *r, int i)
{
	return json_pack("{s:i,s:s,s:s,s:o,s:I,s:[i,i],s:s}", "id", atoi(PQgetvalue(r, i, 0)),
			 "status", PQgetvalue(r, i, 1), "created", PQgetvalue(r, i, 2), "published",
			 PQgetisnull(r, i, 3) ? json_null() : json_string(PQgetvalue(r, i, 3)),
			 "data_version", (json_int_t)atoll(PQgetvalue(r, i, 4)), "years",
			 atoi(PQgetvalue(r, i, 5)), atoi(PQgetvalue(r, i, 6)), "note",
			 PQgetvalue(r, i, 7));
}

json_t *release_list(PGconn *conn, int drafts, struct wq_error *e)
{
	const char *params[] = {drafts ? "t" : "f"};
	PGresult *r = db_exec(conn, e,
			      "SELECT " RELEASE_COLUMNS " FROM auth.release "
			      "WHERE $1::boolean OR published_at IS NOT NULL ORDER BY id DESC",
			      1, params);
	if (!r)
		return NULL;
	json_t *out = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(out, summary_of(r, i));
	PQclear(r);
	return out;
}

json_t *release_get(PGconn *conn, int id, int drafts, struct wq_error *e)
{
	char idtext[16];
	snprintf(idtext, sizeof idtext, "%d", id);
	const char *params[] = {idtext, drafts ? "t" : "f"};
	PGresult *r = db_exec(
	    conn, e,
	    "SELECT " RELEASE_COLUMNS ", holds::text, coalesce(revisions::text, 'null'), "
	    "(SELECT coalesce(array_to_json(array_agg(query ORDER BY query)), '[]')::text "
	    " FROM auth.release_table t WHERE t.release = r.id) "
	    "FROM auth.release r WHERE id = $1::int AND ($2::boolean OR published_at IS NOT NULL)",
	    2, params);
	if (!r)
		return NULL;
	if (PQntuples(r) == 0) {
		PQclear(r);
		err_set(e, "R1001", "there is no published release %d", id);
		return NULL;
	}
	json_t *out = summary_of(r, 0);
	json_object_update_missing_new(out, json_loads(PQgetvalue(r, 0, 8), 0, NULL));
	json_object_set_new(out, "revisions",
			    json_loads(PQgetvalue(r, 0, 9), JSON_DECODE_ANY, NULL));
	json_object_set_new(out, "tables", json_loads(PQgetvalue(r, 0, 10), 0, NULL));
	PQclear(r);
	return out;
}
