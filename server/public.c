/* The public view (see public.h). */
#include "server/public.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "common/strbuf.h"
#include "common/token.h"
#include "common/xalloc.h"
#include "server/grammar.h"

/* A listed query: valid, and one the least-trusted reader could ask. A standardised table
 * (standardise=age, optionally standard=ID) is asked as analytics asks it, with the age
 * band as its last dimension; its canonical text names the standard (public_key). */
static int parse_line(const char *line, const struct wq_config *cfg, const struct indicators *inds,
		      const struct codelists *lists, const struct standards *sts, struct query *q,
		      const struct standard **st, struct wq_error *e)
{
	struct strbuf rest;
	const char *standard = NULL;
	int standardise = 0, rc = -1;
	unsigned status;
	char *copy = xstrdup(line);
	sb_init(&rest);
	for (char *save = NULL, *kv = strtok_r(copy, "&", &save); kv;
	     kv = strtok_r(NULL, "&", &save)) {
		if (strcmp(kv, "standardise=age") == 0)
			standardise = 1;
		else if (strncmp(kv, "standard=", 9) == 0)
			standard = kv + 9;
		else
			sb_printf(&rest, "%s%s", rest.len ? "&" : "", kv);
	}
	*st = NULL;
	if (standard && !standardise) {
		err_set(e, "Q1014", "\"standard\" without standardise=age");
		goto out;
	}
	if (standardise) {
		if (!(*st = standards_get(sts, standard))) {
			err_set(e, "Q1003", "unknown standard population");
			goto out;
		}
		sb_puts(&rest, "&dimension=age_band");
	}
	if (query_parse_text(q, inds, lists, rest.data ? rest.data : "", &status, e) < 0)
		goto out;
	/* A base table of the product is no one's query: it may have more columns than a
	 * role may ask for, but no sensitive one, no filter and no period. */
	rc = 0;
	for (int i = 0; i < q->ndims + q->nfilters; i++)
		if (grammar_is_sensitive(q->dims[i].dim)) {
			rc = err_set(e, "Q1011", "a published table has no sensitive dimension");
			goto out;
		}
	if (q->nfilters || q->from_year || q->to_year)
		rc = err_set(e, "Q1014",
			     "a published table is a whole table: no filter, from or to");
	/* By year: a period sums years (product.c), and a release holds whole years. */
	int year = 0;
	for (int i = 0; i < q->ndims; i++)
		year |= q->dims[i].dim->kind == DIM_YEAR;
	if (rc == 0 && !year)
		rc = err_set(e, "Q1014", "a published table has the year as a column");
	(void)cfg;
out:
	free(copy);
	sb_free(&rest);
	return rc;
}

int public_load(struct public_tables *pt, const char *path, const struct wq_config *cfg,
		const struct indicators *inds, const struct codelists *lists,
		const struct standards *sts, struct wq_error *e)
{
	memset(pt, 0, sizeof *pt);
	if (!path || !path[0])
		return 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, "S1301", "could not open the public tables \"%s\": %s", path,
			       strerror(errno));
	char line[2048];
	size_t cap = 0;
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		struct query q;
		const struct standard *st;
		if (parse_line(line, cfg, inds, lists, sts, &q, &st, e) < 0) {
			char why[256];
			snprintf(why, sizeof why, "%s", e->message);
			err_set(e, "S1302", "public table on line %d is not a valid query: %s",
				lineno, why);
			err_detail(e, "File \"%s\".", path);
			fclose(f);
			public_free(pt);
			return -1;
		}
		xgrow((void **)&pt->q, &cap, pt->n + 1, sizeof *pt->q);
		pt->text = xrealloc(pt->text, cap * sizeof *pt->text);
		pt->st = xrealloc(pt->st, cap * sizeof *pt->st);
		pt->q[pt->n] = q;
		pt->st[pt->n] = st;
		pt->text[pt->n++] = xstrdup(line);
	}
	fclose(f);
	return 0;
}

void public_free(struct public_tables *pt)
{
	for (size_t i = 0; i < pt->n; i++)
		free(pt->text[i]);
	free(pt->q);
	free(pt->st);
	free(pt->text);
	memset(pt, 0, sizeof *pt);
}

long long public_release_period(const struct wq_config *cfg, time_t now)
{
	return (long long)(now / ((time_t)cfg->release_days * 86400));
}

void public_release_day(const struct wq_config *cfg, long long release, char out[16])
{
	/* In 64 bits whatever time_t is; a day past what time_t or gmtime holds is none. */
	int64_t at = (int64_t)release * cfg->release_days * 86400;
	time_t t = (time_t)at;
	struct tm tm;
	out[0] = '\0';
	if ((int64_t)t == at && gmtime_r(&t, &tm))
		strftime(out, 16, "%Y-%m-%d", &tm);
}

char *public_release_get(PGconn *conn, const char *table, long long release,
			 long long *found_release, int *failed)
{
	struct wq_error e;
	char v[32];
	snprintf(v, sizeof v, "%lld", release);
	const char *p[] = {table, v};
	PGresult *r = db_exec(conn, &e,
			      "SELECT body, release FROM auth.public_release WHERE query = $1 "
			      "AND ($2::bigint < 0 OR release = $2::bigint) "
			      "ORDER BY release DESC LIMIT 1",
			      2, p);
	*failed = r == NULL;
	char *body = NULL;
	if (r && PQntuples(r) == 1) {
		body = xstrdup(PQgetvalue(r, 0, 0));
		*found_release = atoll(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return body;
}

int public_release_put(PGconn *conn, const char *table, long long release, long long version,
		       const char *body, struct wq_error *e)
{
	char rel[32], v[32];
	snprintf(rel, sizeof rel, "%lld", release);
	snprintf(v, sizeof v, "%lld", version);
	const char *p[] = {table, rel, v, body};
	return db_run(conn, e,
		      "INSERT INTO auth.public_release (query, release, data_version, body) "
		      "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
		      4, p);
}
