/* The attributes of a child: what an agency records of each victim beyond sex, age and
 * identity (disability, migrant status...), each a code of its own list. One row each in
 * one const table, the only place that names them: the validator (etl/load/record.c),
 * the CSV layout (common/csv_layout.c), the warehouse's COPY (etl/load/chunk.c), the
 * population loader (etl/load/population.c), the synthetic country (synth/), the
 * analytics model (server/model.c) and the grammar (server/grammar.c) all read it.
 * docs/architecture.md ("Adding an attribute") says what else a new one takes: its code
 * list, a migration with its columns, the counting rule's line, tests. */
#ifndef WQ_ATTRIBUTE_H
#define WQ_ATTRIBUTE_H

#include <stddef.h>

/* Room for the attributes in fixed arrays (struct person_rec); attribute.c checks the
 * table fits at compile time. */
#define ATTR_MAX 24

enum attr_flag {
	/* Researchers only, with few other dimensions beside it (server/grammar.c). */
	ATTR_SENSITIVE = 1 << 0,
	/* A population file may break its denominators down by it (a column of
	 * warehouse.population's dims), so rates by it can be computed. */
	ATTR_POPULATION = 1 << 1,
	/* Describes the child's situation in the case (its relationship to the offender),
	 * not the child: it does not restrict a rate's population. */
	ATTR_OF_CASE = 1 << 2,
};

struct attribute {
	/* Its JSON field of a victim ("migrant_status"), its column in warehouse.victim and
	 * analytics.victim_year, its dimension in the API and its population column; the
	 * CSV layout's column is "victim_" + name. */
	const char *name;
	const char *list; /* its code list (config/codelists/LIST.csv) */
	const char *def;  /* the code an absent value takes ("unknown", "not_stated") */
	unsigned flags;	  /* enum attr_flag */
};

/* The number of attributes, and the i-th (NULL past the end), in the table's order. */
size_t attr_count(void);
const struct attribute *attr_at(size_t i);
/* The attribute called NAME and its index, or NULL / -1. */
const struct attribute *attr_find(const char *name);
int attr_index(const char *name);

#endif
