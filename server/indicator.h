/* Indicator definitions (config/indicators.json): names and definitions in English and
 * Arabic, unit, type, and the fact table and named predicates they count. Predicates are
 * names from the const tables of model.c, never SQL from the file. And the international
 * frameworks each indicator serves (docs/indicators.md, "The international frameworks"):
 * which item of which framework, how far administrative data can stand for it (direct,
 * partial, related) and why, in both languages. */
#ifndef WQ_INDICATOR_H
#define WQ_INDICATOR_H

#include <jansson.h>
#include <stddef.h>

#include "common/error.h"

enum ind_type { IND_COUNT, IND_RATE, IND_PROPORTION };

struct fact;
struct predicate;

struct indicator {
	char *id, *name, *name_ar, *unit, *unit_ar, *definition, *definition_ar;
	enum ind_type type;
	const struct fact *fact;
	const struct predicate *numerator, *denominator; /* denominator: proportions only */
	double per;					 /* rates */
	json_t *frameworks; /* [{framework, item, item_ar, fit, note, note_ar}], checked */
};

struct indicators {
	struct indicator *v;
	size_t n;
	json_t *frameworks; /* [{id, name, name_ar, publisher}]: the frameworks named */
};

/* Loads and checks PATH: every fact and predicate must exist, every framework an indicator
 * names must be listed, with a fit of direct, partial or related and its texts in both
 * languages. Returns 0 or -1 with e set (S1201 unreadable or not JSON, S1202 a bad
 * definition naming the indicator). */
int indicators_load(struct indicators *in, const char *path, struct wq_error *e);
void indicators_free(struct indicators *in);
const struct indicator *indicators_get(const struct indicators *in, const char *id);
const char *ind_type_name(enum ind_type t);

#endif
