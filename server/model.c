/* The analytics model (see model.h): every dimension, fact and predicate, as const
 * tables. */
#include "server/model.h"

#include <pthread.h>
#include <string.h>

#include "common/attribute.h"
#include "common/xalloc.h"

/* Every dimension of api.md. Columns have the dimension's name in every fact table
 * (offence, technology and support are the arrays their multi field names). The
 * attributes of a child (common/attribute.h) stand between the first four and the rest,
 * in the table's order: dimensions() builds the whole list once. */
static const struct dimension first_dims[] = {
    {"year", NULL, DIM_YEAR, 1, "p.year", NULL, 0},
    {"region", "regions", DIM_CODE, 1, "p.region", NULL, 0},
    {"sex", "sex", DIM_CODE, 1, "p.sex", NULL, 0},
    {"age_band", "age_band", DIM_CODE, 1, "p.age_band", NULL, 0},
};
static const struct dimension later_dims[] = {
    {"offence", "offences", DIM_CODE, 0, NULL, "offences", 0},
    {"technology", "technology", DIM_CODE, 0, NULL, "technology", 0},
    {"detection", "detection", DIM_CODE, 0, NULL, NULL, 0},
    {"financial", NULL, DIM_BOOL, 0, NULL, NULL, 0},
    {"status", "status", DIM_CODE, 0, NULL, NULL, 0},
    {"agency", "agencies", DIM_CODE, 0, NULL, NULL, 0},
    {"support", "support", DIM_CODE, 0, NULL, "support", 0},
    {"revictimisation_month", "revictimisation_month", DIM_CODE, 0, NULL, NULL, 0},
    {"offender_group", "offender_group", DIM_CODE, 0, NULL, NULL, 0},
    /* A child-year's capture pattern: the sources that reported it (docs/methods.md,
     * "Hidden victims"). */
    {"sources", "sources", DIM_CODE, 0, NULL, NULL, 0},
    /* Calendar years from the abuse to the report (docs/methods.md, "Late reports"). */
    {"report_delay", "report_delay", DIM_CODE, 0, NULL, NULL, 0},
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NDIMS	 (COUNT(first_dims) + ATTR_MAX + COUNT(later_dims))

static struct dimension dimensions[NDIMS];
static size_t ndimensions;
/* A victim-year has every dimension but offender_group; sources and report_delay are a
 * victim-year's only. */
static const char *victim_dims[NDIMS + 1];
static pthread_once_t built = PTHREAD_ONCE_INIT;

static void build(void)
{
	size_t nv = 0;
	for (size_t i = 0; i < COUNT(first_dims); i++)
		dimensions[ndimensions++] = first_dims[i];
	for (size_t a = 0; a < attr_count(); a++) {
		const struct attribute *at = attr_at(a);
		dimensions[ndimensions++] = (struct dimension){
		    at->name,
		    at->list,
		    DIM_CODE,
		    !(at->flags & ATTR_OF_CASE),
		    at->flags & ATTR_POPULATION ? xasprintf("(p.dims->>'%s')", at->name) : NULL,
		    NULL,
		    (at->flags & ATTR_SENSITIVE) != 0};
	}
	for (size_t i = 0; i < COUNT(later_dims); i++)
		dimensions[ndimensions++] = later_dims[i];
	for (size_t i = 0; i < ndimensions; i++)
		if (strcmp(dimensions[i].name, "offender_group") != 0)
			victim_dims[nv++] = dimensions[i].name;
}

static const char *const case_dims[] = {"year",		  "region",    "offence", "technology",
					"detection",	  "financial", "status",  "agency",
					"offender_group", NULL};
static const char *const offender_dims[] = {"year",    "region", "sex", "age_band",
					    "offence", "agency", NULL};
static const char *const intervention_dims[] = {"year",	    "region", "sex",
						"age_band", "agency", NULL};

/* The nullable columns of sql/migrations (004 and 006). */
static const char *const financial_only[] = {"financial", NULL};
static const char *const victim_nullable[] = {"financial", "revictimisation_month", "sources",
					      "report_delay", NULL};
static const char *const offender_nullable[] = {"age_band", NULL};
static const char *const intervention_nullable[] = {"sex", "age_band", NULL};

static const struct fact facts[] = {
    {"victim_year", "analytics.victim_year", victim_dims, victim_nullable},
    {"case", "analytics.case_fact", case_dims, financial_only},
    {"offender_year", "analytics.offender_year", offender_dims, offender_nullable},
    {"intervention", "analytics.intervention_fact", intervention_dims, intervention_nullable},
};

/* What indicator definitions may count: conditions over the fact's row v. */
static const struct predicate predicates[] = {
    {"victim_year", "all", "true"},
    {"victim_year", "child_age", "v.age_band <> '18+'", "age_band", "18+", "all"},
    {"victim_year", "first_report", "v.first_report"},
    {"victim_year", "new_child_age", "v.first_report AND v.age_band <> '18+'", "age_band", "18+",
     "first_report"},
    {"victim_year", "revictimised", "v.revictimised_12m IS TRUE"},
    {"victim_year", "revictimisation_known", "v.revictimised_12m IS NOT NULL"},
    {"case", "all", "true"},
    {"case", "charged", "v.charged"},
    {"case", "convicted", "v.status = 'convicted'"},
    {"case", "financial", "v.financial IS TRUE"},
    {"case", "financial_known", "v.financial IS NOT NULL"},
    {"case", "proactive", "v.detection = 'proactive_detection'"},
    {"offender_year", "all", "true"},
    {"offender_year", "child", "v.child"},
    {"offender_year", "reoffended", "v.reoffended_12m IS TRUE"},
    {"offender_year", "reoffending_known", "v.reoffended_12m IS NOT NULL"},
    {"intervention", "all", "true"},
    {"intervention", "completed", "v.completed IS TRUE"},
    {"intervention", "completion_known", "v.completed IS NOT NULL"},
    {"intervention", "removed", "v.type = 'image_removal' AND v.outcome = 'removed'"},
    {"intervention", "removal_known",
     "v.type = 'image_removal' AND v.outcome IN ('removed', 'not_removed')"},
    {"victim_year", "population", "true"}, /* a rate's denominator: the population table */
};

const struct dimension *model_dimension(const char *name)
{
	pthread_once(&built, build);
	for (size_t i = 0; i < ndimensions; i++)
		if (strcmp(dimensions[i].name, name) == 0)
			return &dimensions[i];
	return NULL;
}

const struct dimension *model_dimension_at(size_t i)
{
	pthread_once(&built, build);
	return i < ndimensions ? &dimensions[i] : NULL;
}

const struct fact *model_fact(const char *name)
{
	pthread_once(&built, build);
	for (size_t i = 0; i < COUNT(facts); i++)
		if (strcmp(facts[i].name, name) == 0)
			return &facts[i];
	return NULL;
}

const struct fact *model_fact_at(size_t i)
{
	pthread_once(&built, build);
	return i < COUNT(facts) ? &facts[i] : NULL;
}

const struct predicate *model_predicate_at(size_t i)
{
	return i < COUNT(predicates) ? &predicates[i] : NULL;
}

const struct predicate *model_predicate(const struct fact *f, const char *name)
{
	for (size_t i = 0; i < COUNT(predicates); i++)
		if (strcmp(predicates[i].fact, f->name) == 0 &&
		    strcmp(predicates[i].name, name) == 0)
			return &predicates[i];
	return NULL;
}

static int listed(const char *const *names, const struct dimension *d)
{
	for (const char *const *n = names; n && *n; n++)
		if (strcmp(*n, d->name) == 0)
			return 1;
	return 0;
}

int model_fact_has(const struct fact *f, const struct dimension *d)
{
	return listed(f->dims, d);
}

int model_fact_nullable(const struct fact *f, const struct dimension *d)
{
	return listed(f->nullable, d);
}
