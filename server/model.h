/* The analytics model: the dimensions a table can be broken down by, the facts (the
 * analytics tables) and which dimensions apply to each, and the predicates an indicator
 * may count (conditions over a fact's row, named in config/indicators.json). Const tables,
 * and the dimensions of a child's attributes built once from common/attribute.h: the
 * bottom of the server's stack (handlers -> query -> indicator -> model), with no SQL
 * from outside. */
#ifndef WQ_MODEL_H
#define WQ_MODEL_H

#include <stddef.h>

enum dim_kind { DIM_CODE, DIM_YEAR, DIM_BOOL };

/* person: an attribute of the child that restricts the population (sex, region...);
 * event: an attribute of the case (offence, detection...) that does not. */
struct dimension {
	const char *name, *list; /* list: code list of its items; NULL for year, financial */
	enum dim_kind kind;
	int person;
	const char *pop;   /* its column in analytics.population, NULL when it has none */
	const char *multi; /* the array column of a multi-valued dimension (offences,
			    * technology, support): a child counts once per item; else NULL */
	int sensitive;	   /* researchers only, with few others (grammar.h) */
};

struct fact {
	const char *name, *table;
	const char *const *dims;     /* the dimensions that apply, NULL-terminated */
	const char *const *nullable; /* those whose column may be null (a group of its own) */
};

/* sql: a condition over the fact's row v. A numerator may exclude one item of a
 * dimension by definition (victim_rate counts children: the 18+ band is no cell of it);
 * in a cell whose definition leaves that item out anyway, it counts the rows of the
 * predicate named `otherwise` (the floor's raise keys the count by it, noise.h). */
struct predicate {
	const char *fact, *name, *sql;
	const char *out_dim, *out_item, *otherwise;
};

const struct dimension *model_dimension(const char *name);
const struct dimension *model_dimension_at(size_t i); /* NULL past the end */
const struct fact *model_fact(const char *name);
const struct fact *model_fact_at(size_t i);	      /* NULL past the end */
const struct predicate *model_predicate_at(size_t i); /* NULL past the end */
const struct predicate *model_predicate(const struct fact *f, const char *name);
/* Whether dimension d applies to fact f; whether its column there may be null. */
int model_fact_has(const struct fact *f, const struct dimension *d);
int model_fact_nullable(const struct fact *f, const struct dimension *d);

#endif
