/* The synthetic country: cases in the interchange format (NDJSON and flat CSV), a
 * population table and the planted truths, generated from a seed so that tests can check
 * that the statistics recover what was planted (docs/synth.md). Streams: memory does not
 * grow with the number of cases. Fictional data only. */
#ifndef WQ_SYNTH_H
#define WQ_SYNTH_H

#include <stdint.h>

#include "common/error.h"

struct synth_options {
	uint64_t seed;
	long cases;
	int year_from, year_to;
	double bad_rate; /* share of deliberately malformed NDJSON records */
	const char *out_dir;
};

/* Writes cases.ndjson, cases.csv, population.csv, truth.json, linkage.csv (the true
 * child behind every victim, for linkage precision and recall) and, with a bad rate,
 * bad.tsv (line, expected code, expected pointer of each malformed record) into
 * out_dir. Returns 0, or -1 with e set (S6001 bad options, S6002 an output failed). */
int synth_run(const struct synth_options *opt, struct wq_error *e);

#endif
