/* The column engine's load split by partitions (see shares.h). Measured at 1.44 million
 * victim-years on 2 cores: two parts that each scan every row and keep the half whose key
 * is theirs took 2.2 s of PostgreSQL; two that each scan their own years, 1.6 s. */
#include "server/shares.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"

/* Which plan costs a part less. By keys, every part scans every row and writes its own:
 * per row, a scan is about 0.4 of a scan and a write (a COPY of every victim-year against
 * one of half of them). By years, the part with the most rows scans and writes them. */
#define SHARES_SCAN 0.4

struct unit {
	long lo, hi; /* the partition's years: [lo, hi) */
	double rows;
	int part;
	int rest; /* the rows outside every range instead (the default partition's) */
};

static int by_rows_desc(const void *a, const void *b)
{
	double x = ((const struct unit *)a)->rows, y = ((const struct unit *)b)->rows;
	return (x < y) - (x > y);
}

/* By years, the rest last. */
static int by_years(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;
	if (x->rest != y->rest)
		return x->rest - y->rest;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* The part with the fewest rows so far. */
static int fewest(const double *load, int parts)
{
	int k = 0;
	for (int i = 1; i < parts; i++)
		if (load[i] < load[k])
			k = i;
	return k;
}

/* Every part the rows whose record key mod parts is its index. */
static void by_key(int parts, struct strbuf *where)
{
	for (int k = 0; k < parts; k++) {
		sb_reset(&where[k]);
		if (parts == 1)
			sb_puts(&where[k], "true");
		else
			sb_printf(&where[k], "((v.record_key %% %d) + %d) %% %d = %d", parts, parts,
				  parts, k);
	}
}

/* An integer of a bound, quoted or not ("'2015'", "2015"); past it, or NULL. */
static const char *bound_number(const char *s, long *v)
{
	int quoted = *s == '\'';
	char *end;
	s += quoted;
	*v = strtol(s, &end, 10);
	if (end == s || (quoted && *end != '\''))
		return NULL;
	return end + quoted;
}

/* A range partition's bound as pg_get_expr spells it, "FOR VALUES FROM ('2015') TO
 * ('2016')", into [lo, hi); -1 for anything else (MINVALUE, several columns). */
static int parse_bound(const char *s, long *lo, long *hi)
{
	static const char from[] = "FOR VALUES FROM (", to[] = ") TO (";
	if (strncmp(s, from, sizeof from - 1) != 0 ||
	    !(s = bound_number(s + sizeof from - 1, lo)) || strncmp(s, to, sizeof to - 1) != 0 ||
	    !(s = bound_number(s + sizeof to - 1, hi)) || strcmp(s, ")") != 0 || *lo >= *hi)
		return -1;
	return 0;
}

/* sb, after " OR " unless this is the condition's first clause. */
static struct strbuf *clause(struct strbuf *sb, int *any)
{
	sb_puts(sb, (*any)++ ? " OR " : "");
	return sb;
}

int shares_plan(PGconn *conn, const struct fact *f, int parts, struct strbuf *where,
		struct wq_error *e)
{
	if (parts < 1 || parts > SHARES_MAX_PARTS) {
		err_set(e, "S6001", "the column engine's load has %d parts: 1 to %d", parts,
			SHARES_MAX_PARTS);
		return -1;
	}
	by_key(parts, where);
	if (parts == 1)
		return 0;
	const char *params[] = {f->table};
	PGresult *r = db_exec(conn, e,
			      "SELECT pg_get_partkeydef($1::regclass), "
			      "pg_get_expr(c.relpartbound, c.oid), c.reltuples, c.relkind "
			      "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
			      "WHERE i.inhparent = $1::regclass",
			      1, params);
	if (!r)
		return -1;
	/* The partitions, then one unit for the rows outside them (without a default
	 * partition there are none, and its conditions read nothing). */
	struct unit u[SHARES_MAX_UNITS + 1];
	int n = 0, rows = PQntuples(r), ok = rows > 0 && rows <= SHARES_MAX_UNITS;
	double rest = 0;
	for (int i = 0; ok && i < rows; i++) {
		const char *bound = PQgetvalue(r, i, 1);
		double tuples = atof(PQgetvalue(r, i, 2));
		char kind = PQgetvalue(r, i, 3)[0];
		if (strcmp(PQgetvalue(r, i, 0), "RANGE (year)") != 0 ||
		    (kind != 'r' && kind != 'f'))
			ok = 0; /* partitioned otherwise, or in two levels */
		else if (strcmp(bound, "DEFAULT") == 0)
			rest = tuples > 0 ? tuples : 0;
		else if (parse_bound(bound, &u[n].lo, &u[n].hi) < 0)
			ok = 0;
		else
			u[n].rows = tuples, u[n].rest = 0, n++;
	}
	PQclear(r);
	if (!ok || n == 0)
		return 0;
	/* A partition never analysed (reltuples -1) counts as the mean of the others. */
	double known = 0, total = rest, load[SHARES_MAX_PARTS] = {0};
	int nknown = 0;
	for (int i = 0; i < n; i++)
		if (u[i].rows >= 0)
			known += u[i].rows, nknown++;
	for (int i = 0; i < n; i++) {
		if (u[i].rows < 0)
			u[i].rows = nknown ? known / nknown : 1;
		total += u[i].rows;
	}
	u[n] = (struct unit){.rows = rest, .rest = 1};
	qsort(u, (size_t)n + 1, sizeof *u, by_rows_desc);
	for (int i = 0; i <= n; i++) {
		u[i].part = fewest(load, parts);
		load[u[i].part] += u[i].rows;
	}
	for (int k = 0; k < parts; k++)
		if (load[k] > total * (SHARES_SCAN + (1 - SHARES_SCAN) / parts))
			return 0;
	qsort(u, (size_t)n + 1, sizeof *u, by_years);
	for (int i = 0; i + 1 < n; i++)
		if (u[i].hi > u[i + 1].lo)
			return 0; /* ranges that overlap: not PostgreSQL's, not shared by years */
	/* Bounds quoted, so that each compares in the column's own type. */
	for (int k = 0; k < parts; k++) {
		struct strbuf *w = &where[k];
		int any = 0;
		sb_reset(w);
		for (int i = 0; i < n; i++) {
			if (u[i].part != k)
				continue;
			long lo = u[i].lo; /* with the next ranges of the part that follow on */
			while (i + 1 < n && u[i + 1].part == k && u[i + 1].lo == u[i].hi)
				i++;
			sb_printf(clause(w, &any), "(v.year >= '%ld' AND v.year < '%ld')", lo,
				  u[i].hi);
		}
		if (k == u[n].part) {
			/* Before, between and after the ranges: each prunes to the default. */
			sb_printf(clause(w, &any), "v.year IS NULL OR v.year < '%ld'", u[0].lo);
			for (int i = 0; i + 1 < n; i++)
				if (u[i].hi < u[i + 1].lo)
					sb_printf(clause(w, &any),
						  "(v.year >= '%ld' AND v.year < '%ld')", u[i].hi,
						  u[i + 1].lo);
			sb_printf(clause(w, &any), "v.year >= '%ld'", u[n - 1].hi);
		}
		if (!any)
			sb_puts(w, "false");
	}
	return 1;
}
