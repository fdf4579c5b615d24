/* The populations of rates remembered per data version (see populations.h). A list: a
 * server asks for a few dozen population shapes a version (its dashboard's charts, its
 * researchers' tables), so a lookup compares a few dozen keys. */
#include "server/populations.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* Entries at most: a lookup walks them all. */
#define POPULATIONS_MAX 256

struct entry {
	char *key;
	PGresult *rows;
	size_t bytes;
	int holds;
	int forgotten; /* out of the list: freed at its last release */
	struct entry *next;
};

struct populations {
	pthread_mutex_t mu;
	long long version; /* the newest seen: every entry is of it */
	struct entry *list, *forgotten;
	size_t bytes, max_bytes;
	int n;
	unsigned long hits, misses;
};

struct populations *populations_new(size_t max_bytes)
{
	struct populations *m = xcalloc(1, sizeof *m);
	pthread_mutex_init(&m->mu, NULL);
	m->max_bytes = max_bytes;
	return m;
}

static void entry_free(struct entry *x)
{
	PQclear(x->rows);
	free(x->key);
	free(x);
}

/* Forgets every entry of the list: the unheld freed, the held freed at their release. */
static void forget_all(struct populations *m)
{
	while (m->list) {
		struct entry *x = m->list;
		m->list = x->next;
		if (x->holds) {
			x->forgotten = 1;
			x->next = m->forgotten;
			m->forgotten = x;
		} else {
			entry_free(x);
		}
	}
	m->bytes = 0;
	m->n = 0;
}

/* Whether version may use the memory, forgetting what an older version kept. */
static int current(struct populations *m, long long version)
{
	if (version <= 0 || version < m->version)
		return 0;
	if (version > m->version) {
		forget_all(m);
		m->version = version;
	}
	return 1;
}

void populations_free(struct populations *m)
{
	if (!m)
		return;
	forget_all(m);
	while (m->forgotten) { /* none held once the server's threads have stopped */
		struct entry *x = m->forgotten;
		m->forgotten = x->next;
		entry_free(x);
	}
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* Under the lock: key's rows, held, or NULL. */
static const PGresult *hold(struct populations *m, const char *key)
{
	for (struct entry *x = m->list; x; x = x->next)
		if (strcmp(x->key, key) == 0) {
			x->holds++;
			return x->rows;
		}
	return NULL;
}

const PGresult *populations_find(struct populations *m, long long version, const char *key)
{
	const PGresult *r = NULL;
	pthread_mutex_lock(&m->mu);
	if (current(m, version))
		r = hold(m, key);
	if (r)
		m->hits++;
	else
		m->misses++;
	pthread_mutex_unlock(&m->mu);
	return r;
}

/* The bytes rows take, about: their values and a row's overhead. */
static size_t size_of(const PGresult *rows)
{
	size_t bytes = 256;
	for (int i = 0; i < PQntuples(rows); i++) {
		bytes += 64;
		for (int j = 0; j < PQnfields(rows); j++)
			bytes += (size_t)PQgetlength(rows, i, j) + 16;
	}
	return bytes;
}

const PGresult *populations_keep(struct populations *m, long long version, const char *key,
				 PGresult *rows)
{
	size_t bytes = size_of(rows) + strlen(key);
	const PGresult *kept = NULL;
	pthread_mutex_lock(&m->mu);
	if (current(m, version) && bytes <= m->max_bytes / 4) {
		/* Another thread may have kept the same rows meanwhile: theirs are held. */
		if ((kept = hold(m, key))) {
			pthread_mutex_unlock(&m->mu);
			PQclear(rows);
			return kept;
		}
		if (m->bytes + bytes > m->max_bytes || m->n >= POPULATIONS_MAX)
			forget_all(m);
		struct entry *x = xcalloc(1, sizeof *x);
		*x = (struct entry){xstrdup(key), rows, bytes, 1, 0, m->list};
		m->list = x;
		m->bytes += bytes;
		m->n++;
		kept = rows;
	}
	pthread_mutex_unlock(&m->mu);
	return kept;
}

void populations_release(struct populations *m, const PGresult *rows)
{
	pthread_mutex_lock(&m->mu);
	for (struct entry **p = &m->list; *p; p = &(*p)->next)
		if ((*p)->rows == rows) {
			(*p)->holds--;
			pthread_mutex_unlock(&m->mu);
			return;
		}
	for (struct entry **p = &m->forgotten; *p; p = &(*p)->next)
		if ((*p)->rows == rows) {
			struct entry *x = *p;
			if (--x->holds == 0) {
				*p = x->next;
				entry_free(x);
			}
			break;
		}
	pthread_mutex_unlock(&m->mu);
}

void populations_counts(struct populations *m, unsigned long *hits, unsigned long *misses)
{
	*hits = *misses = 0;
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	*hits = m->hits;
	*misses = m->misses;
	pthread_mutex_unlock(&m->mu);
}
