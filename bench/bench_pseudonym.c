/* Pseudonymisation throughput: persons per second on one core, each person normalised
 * (given and family name, national ID, birth date) and hashed into all its tokens, both
 * tiers (pseudo_person: up to 3 tokens x 2 keyed BLAKE2b). Identities are realistic:
 * Arabic and Latin names from the synthetic country's lists, compound family names,
 * national IDs for 70%.
 *   bench_pseudonym [PERSONS]   (default 200000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etl/keys.h"
#include "etl/pseudonym.h"
#include "etl/synth_names.h"

struct person {
	char given[64], family[160], birth[11], nid[16];
	char sex;
	int has_nid;
};

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct person *ps = calloc((size_t)n, sizeof *ps);
	uint64_t x = 42;
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int female = (int)(x >> 63), arabic = (x >> 40) % 5 != 0;
		const struct name_pair *g =
		    female ? &synth_given_female[(x >> 20) % synth_n_given_female]
			   : &synth_given_male[(x >> 20) % synth_n_given_male];
		const struct name_pair *father = &synth_given_male[(x >> 8) % synth_n_given_male];
		const struct name_pair *fam = &synth_family[(x >> 30) % synth_n_family];
		struct person *p = &ps[i];
		snprintf(p->given, sizeof p->given, "%s", arabic ? g->ar : g->lat);
		snprintf(p->family, sizeof p->family, "%s %s", arabic ? father->ar : father->lat,
			 arabic ? fam->ar : fam->lat);
		snprintf(p->birth, sizeof p->birth, "20%02d-%02d-%02d", (int)((x >> 5) % 18),
			 1 + (int)((x >> 12) % 12), 1 + (int)((x >> 16) % 28));
		p->has_nid = (x >> 50) % 10 < 7;
		snprintf(p->nid, sizeof p->nid, "10%08ld", i);
		p->sex = female ? 'F' : 'M';
	}
	uint8_t master[KEY_BYTES] = {1, 2, 3};
	struct keys k;
	keys_from_bytes(&k, master);
	keys_store(&k, 1);
	struct token out[3];
	struct wq_error e;
	long tokens = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (long i = 0; i < n; i++) {
		struct identity id = {ps[i].given, ps[i].family,
				      ps[i].birth, ps[i].has_nid ? ps[i].nid : NULL,
				      NULL,	   ps[i].sex};
		int r = pseudo_person(&k, KEY_LINK, 1, &id, "DC", out, &e);
		if (r < 0) {
			fprintf(stderr, "unexpected error %s\n", e.code);
			return 1;
		}
		tokens += r;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("pseudonymisation: %ld persons (%ld tokens, 80%% Arabic script) in %.3f s CPU: "
	       "%.0f persons/s per core, %.2f us/person\n",
	       n, tokens, s, (double)n / s, s / (double)n * 1e6);
	keys_free(&k);
	free(ps);
	return 0;
}
