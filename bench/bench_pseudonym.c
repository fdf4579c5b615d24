/* Pseudonymisation throughput: persons per second on one core, each person normalised
 * (given and family name, national ID, birth date) and hashed into all its tokens, both
 * tiers (pseudo_person: up to 3 tokens x 2 keyed BLAKE2b). Identities are realistic:
 * Arabic and Latin names from the synthetic country's lists, compound family names,
 * national IDs for 70%. The same persons are timed RUNS times (CPU time of this process)
 * and the median is the figure; this machine is a shared virtual one, whose speed drifts
 * by a third from minute to minute. A last line times one keyed hash both ways: with the
 * key block precomputed (keyed_hash) and libsodium's crypto_generichash.
 *   bench_pseudonym [PERSONS [RUNS]]   (default 200000 persons, 5 runs) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "etl/pseudonym/keys.h"
#include "etl/pseudonym/pseudonym.h"
#include "synth/synth_names.h"

#define RUNS_MAX 51

static double cpu_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Identities point into one arena written in order, as the loader's point into the chunk
 * it parsed: a person's strings sit together and the next person's follow. */
#define PERSON_BYTES 256 /* at most, for the arena's size */

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct identity *ids = calloc((size_t)n, sizeof *ids);
	char *arena = malloc((size_t)n * PERSON_BYTES), *a = arena;
	uint64_t x = 42;
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int female = (int)(x >> 63), arabic = (x >> 40) % 5 != 0;
		const struct name_pair *g =
		    female ? &synth_given_female[(x >> 20) % synth_n_given_female]
			   : &synth_given_male[(x >> 20) % synth_n_given_male];
		const struct name_pair *father = &synth_given_male[(x >> 8) % synth_n_given_male];
		const struct name_pair *fam = &synth_family[(x >> 30) % synth_n_family];
		struct identity *id = &ids[i];
		id->given_name = a;
		a += sprintf(a, "%s", arabic ? g->ar : g->lat) + 1;
		id->family_name = a;
		a += sprintf(a, "%s %s", arabic ? father->ar : father->lat,
			     arabic ? fam->ar : fam->lat) +
		     1;
		id->birth_date = a;
		a += sprintf(a, "20%02d-%02d-%02d", (int)((x >> 5) % 18), 1 + (int)((x >> 12) % 12),
			     1 + (int)((x >> 16) % 28)) +
		     1;
		if ((x >> 50) % 10 < 7) { /* 70% have a national ID */
			id->national_id = a;
			a += sprintf(a, "10%08ld", i) + 1;
		}
		id->sex = female ? 'F' : 'M';
	}
	uint8_t master[KEY_BYTES] = {1, 2, 3};
	struct keys k;
	keys_from_bytes(&k, master);
	keys_store(&k, 1);
	struct token out[3];
	struct wq_error e;
	long tokens = 0;
	double rate[RUNS_MAX] = {0};
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > RUNS_MAX)
		runs = 5;
	for (int r = 0; r < runs; r++) {
		double t0 = cpu_seconds();
		tokens = 0;
		for (long i = 0; i < n; i++) {
			int got = pseudo_person(&k, KEY_LINK, 1, &ids[i], "DC", out, &e);
			if (got < 0) {
				fprintf(stderr, "unexpected error %s\n", e.code);
				return 1;
			}
			tokens += got;
		}
		rate[r] = (double)n / (cpu_seconds() - t0);
	}
	qsort(rate, (size_t)runs, sizeof rate[0], by_value);
	printf("pseudonymisation: %ld persons (%ld tokens, 80%% Arabic script), %d runs: median "
	       "%.0f persons/s per core (%.2f us/person; slowest %.0f, fastest %.0f)\n",
	       n, tokens, runs, rate[runs / 2], 1e6 / rate[runs / 2], rate[0], rate[runs - 1]);

	/* One keyed hash of a 48-byte encoding, both ways. */
	const long calls = 1000000;
	uint8_t msg[48] = {'v', '1'}, h[TOKEN_BYTES];
	double t0 = cpu_seconds();
	for (long i = 0; i < calls; i++) {
		msg[2] = (uint8_t)i;
		keyed_hash(k.sub[KEY_LINK], msg, sizeof msg, h);
		msg[3] ^= h[0];
	}
	double t1 = cpu_seconds();
	for (long i = 0; i < calls; i++) {
		msg[2] = (uint8_t)i;
		crypto_generichash(h, sizeof h, msg, sizeof msg, k.sub[KEY_LINK]->bytes, KEY_BYTES);
		msg[3] ^= h[0];
	}
	double t2 = cpu_seconds();
	printf("keyed hash of 48 bytes: %.0f ns with the key block precomputed, %.0f ns with "
	       "crypto_generichash (%ld calls each)\n",
	       (t1 - t0) / (double)calls * 1e9, (t2 - t1) / (double)calls * 1e9, calls);
	keys_free(&k);
	free(ids);
	free(arena);
	return 0;
}
