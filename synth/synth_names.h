/* Name frequency lists for the synthetic country (wiqaya-synth): Arabic names with a
 * Latin transliteration each (a child is written in the other script only in planted
 * cases), Latin variant spellings, and names of migrant children. Ranked by frequency;
 * the generator draws with Zipf weights over the rank. Fictional data, no real persons. */
#ifndef WQ_SYNTH_NAMES_H
#define WQ_SYNTH_NAMES_H

#include <stddef.h>

struct name_pair {
	const char *ar, *lat;
};

extern const struct name_pair synth_given_female[], synth_given_male[], synth_family[];
extern const size_t synth_n_given_female, synth_n_given_male, synth_n_family;
/* Latin names of migrant children (no Arabic form). */
extern const char *const synth_latin_female[], *const synth_latin_male[],
						   *const synth_latin_family[];
extern const size_t synth_n_latin_female, synth_n_latin_male, synth_n_latin_family;

/* A spelling variant of a Latin name that normalisation cannot undo (Mohammed/Mohamed),
 * or NULL when the list has none. */
const char *synth_latin_variant(const char *name);

#endif
