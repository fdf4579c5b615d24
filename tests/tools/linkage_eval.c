/* Linkage precision and recall against the generator's truth (linkage.csv): which child
 * is behind every victim record. Recomputes each record's case key with the real key
 * (this tool plays the ETL), reads the person the loader linked it to, and counts pairs.
 * The generator's victim refs are V1, V2... in order, so a victim's stored position (seq)
 * names its ref. Pairs involving a record planted in the other script without a national ID are
 * left out of recall: such records must stay unlinked, and how many did is reported apart.
 *   tool_linkage_eval LINKAGE_CSV   (config from WIQAYA_CONF) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/db.h"
#include "common/xalloc.h"
#include "etl/pseudonym/keys.h"
#include "etl/pseudonym/pseudonym.h"

struct rec {
	uint8_t key[TOKEN_BYTES];
	char ref[8];
	long child;
	long long person;
	int planted_unlinkable;
};

struct dbrow {
	uint8_t key[TOKEN_BYTES];
	char ref[8];
	long long person;
};

static int by_key(const void *a, const void *b)
{
	const struct dbrow *x = a, *y = b;
	int c = memcmp(x->key, y->key, TOKEN_BYTES);
	return c ? c : strcmp(x->ref, y->ref);
}

static int by_child(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return (x->child > y->child) - (x->child < y->child);
}

static int by_person(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return (x->person > y->person) - (x->person < y->person);
}

int main(int argc, char **argv)
{
	struct wq_config cfg;
	struct wq_error e;
	struct keys keys;
	if (argc != 2 || !getenv("WIQAYA_CONF") ||
	    config_load(&cfg, getenv("WIQAYA_CONF"), &e) < 0 ||
	    keys_load(&keys, cfg.pseudonym_key, &e) < 0) {
		fprintf(stderr, "usage: tool_linkage_eval LINKAGE_CSV (WIQAYA_CONF set)\n");
		return 2;
	}
	PGconn *conn = db_connect(&cfg, cfg.db_admin_user, &e);
	if (!conn)
		return 2;
	PGresult *res =
	    db_exec(conn, &e, "SELECT storage_version FROM warehouse.key_state", 0, NULL);
	int version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	res = db_exec(conn, &e,
		      "SELECT c.case_key, 'V' || v.seq, v.person_id FROM warehouse.victim v "
		      "JOIN warehouse.\"case\" c USING (case_id)",
		      0, NULL);
	size_t ndb = (size_t)PQntuples(res);
	struct dbrow *db = xcalloc(ndb + 1, sizeof *db);
	for (size_t i = 0; i < ndb; i++) {
		size_t len;
		unsigned char *k =
		    PQunescapeBytea((unsigned char *)PQgetvalue(res, (int)i, 0), &len);
		memcpy(db[i].key, k, TOKEN_BYTES);
		PQfreemem(k);
		snprintf(db[i].ref, sizeof db[i].ref, "%s", PQgetvalue(res, (int)i, 1));
		db[i].person = atoll(PQgetvalue(res, (int)i, 2));
	}
	PQclear(res);
	PQfinish(conn);
	qsort(db, ndb, sizeof *db, by_key);

	FILE *f = fopen(argv[1], "r");
	char line[512];
	struct rec *recs = NULL;
	size_t n = 0, cap = 0, missing = 0;
	if (!f || !fgets(line, sizeof line, f)) /* header */
		return 2;
	while (fgets(line, sizeof line, f)) {
		char *agency = strtok(line, ","), *ref = strtok(NULL, ","),
		     *vref = strtok(NULL, ","), *child = strtok(NULL, ","),
		     *variant = strtok(NULL, ",\n");
		if (!variant)
			continue;
		struct dbrow key = {0};
		pseudo_case(&keys, version, agency, ref, key.key);
		snprintf(key.ref, sizeof key.ref, "%s", vref);
		struct dbrow *hit = bsearch(&key, db, ndb, sizeof *db, by_key);
		if (!hit) { /* a rejected (malformed) record */
			missing++;
			continue;
		}
		xgrow((void **)&recs, &cap, n + 1, sizeof *recs);
		recs[n] = (struct rec){.child = atol(child), .person = hit->person};
		recs[n].planted_unlinkable = strcmp(variant, "other_script_without_id") == 0;
		n++;
	}
	fclose(f);

	/* True pairs (same child) and how many of them share a person. */
	long long true_pairs = 0, true_linked = 0, linked_pairs = 0, unlinkable = 0,
		  unlinkable_linked = 0;
	qsort(recs, n, sizeof *recs, by_child);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && recs[j].child == recs[i].child)
			j++;
		for (size_t a = i; a < j; a++) {
			if (recs[a].planted_unlinkable) {
				unlinkable++;
				int linked = 0;
				for (size_t b = i; b < j; b++)
					linked |= b != a && !recs[b].planted_unlinkable &&
						  recs[b].person == recs[a].person;
				unlinkable_linked += linked;
			}
			for (size_t b = a + 1; b < j; b++) {
				if (recs[a].planted_unlinkable || recs[b].planted_unlinkable)
					continue;
				true_pairs++;
				true_linked += recs[a].person == recs[b].person;
			}
		}
		i = j;
	}
	/* Linked pairs (same person), and how many are not the same child. */
	long long false_links = 0;
	qsort(recs, n, sizeof *recs, by_person);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && recs[j].person == recs[i].person)
			j++;
		for (size_t a = i; a < j; a++)
			for (size_t b = a + 1; b < j; b++) {
				linked_pairs++;
				false_links += recs[a].child != recs[b].child;
				/* LINKAGE_EVAL_PAIRS: name the children of each false link
				 * (generator ids, no identifier) on stderr, to study them. */
				if (recs[a].child != recs[b].child && getenv("LINKAGE_EVAL_PAIRS"))
					fprintf(stderr, "false link: children %ld and %ld\n",
						recs[a].child, recs[b].child);
			}
		i = j;
	}
	printf(
	    "{\"records\": %zu, \"rejected\": %zu, \"true_pairs\": %lld, \"linked_pairs\": %lld, "
	    "\"true_pairs_linked\": %lld, \"false_links\": %lld, \"precision\": %.6f, "
	    "\"recall\": %.6f, \"planted_unlinkable\": %lld, \"planted_unlinkable_linked\": "
	    "%lld}\n",
	    n, missing, true_pairs, linked_pairs, true_linked, false_links,
	    linked_pairs ? 1.0 - (double)false_links / (double)linked_pairs : 1.0,
	    true_pairs ? (double)true_linked / (double)true_pairs : 1.0, unlinkable,
	    unlinkable_linked);
	free(recs);
	free(db);
	keys_free(&keys);
	config_free(&cfg);
	return 0;
}
