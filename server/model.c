/* The analytics model (see model.h): every dimension, fact and predicate, as const
 * tables. */
#include "server/model.h"

#include <string.h>

/* Every dimension of api.md. Columns have the dimension's name in every fact table
 * (offence, technology and support are the arrays their multi field names). */
static const struct dimension dimensions[] = {
    {"year", NULL, DIM_YEAR, 1, "p.year", NULL},
    {"region", "regions", DIM_CODE, 1, "p.region", NULL},
    {"sex", "sex", DIM_CODE, 1, "p.sex", NULL},
    {"age_band", "age_band", DIM_CODE, 1, "p.age_band", NULL},
    {"gender_identity", "gender_identity", DIM_CODE, 1, "(p.dims->>'gender_identity')", NULL},
    {"sexual_orientation", "sexual_orientation", DIM_CODE, 1, NULL, NULL},
    {"ethnicity", "ethnicities", DIM_CODE, 1, "(p.dims->>'ethnicity')", NULL},
    {"disability", "disability", DIM_CODE, 1, "(p.dims->>'disability')", NULL},
    {"migrant_status", "migrant_status", DIM_CODE, 1, "(p.dims->>'migrant_status')", NULL},
    {"economic_status", "economic_status", DIM_CODE, 1, "(p.dims->>'economic_status')", NULL},
    {"education_status", "education_status", DIM_CODE, 1, "(p.dims->>'education_status')", NULL},
    {"relationship", "relationship", DIM_CODE, 0, NULL, NULL},
    {"offence", "offences", DIM_CODE, 0, NULL, "offences"},
    {"technology", "technology", DIM_CODE, 0, NULL, "technology"},
    {"detection", "detection", DIM_CODE, 0, NULL, NULL},
    {"financial", NULL, DIM_BOOL, 0, NULL, NULL},
    {"status", "status", DIM_CODE, 0, NULL, NULL},
    {"agency", "agencies", DIM_CODE, 0, NULL, NULL},
    {"support", "support", DIM_CODE, 0, NULL, "support"},
    {"revictimisation_month", "revictimisation_month", DIM_CODE, 0, NULL, NULL},
    {"offender_group", "offender_group", DIM_CODE, 0, NULL, NULL},
};

static const char *const victim_dims[] = {"year",
					  "region",
					  "sex",
					  "age_band",
					  "gender_identity",
					  "sexual_orientation",
					  "ethnicity",
					  "disability",
					  "migrant_status",
					  "economic_status",
					  "education_status",
					  "relationship",
					  "offence",
					  "technology",
					  "detection",
					  "financial",
					  "status",
					  "agency",
					  "support",
					  "revictimisation_month",
					  NULL};
static const char *const case_dims[] = {"year",		  "region",    "offence", "technology",
					"detection",	  "financial", "status",  "agency",
					"offender_group", NULL};
static const char *const offender_dims[] = {"year",    "region", "sex", "age_band",
					    "offence", "agency", NULL};
static const char *const intervention_dims[] = {"year",	    "region", "sex",
						"age_band", "agency", NULL};

/* The nullable columns of sql/migrations (004 and 006). */
static const char *const financial_only[] = {"financial", NULL};
static const char *const victim_nullable[] = {"financial", "revictimisation_month", NULL};
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
    {"victim_year", "child_age", "v.age_band <> '18+'", "age_band", "18+"},
    {"victim_year", "first_report", "v.first_report"},
    {"victim_year", "new_child_age", "v.first_report AND v.age_band <> '18+'", "age_band", "18+"},
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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct dimension *model_dimension(const char *name)
{
	for (size_t i = 0; i < COUNT(dimensions); i++)
		if (strcmp(dimensions[i].name, name) == 0)
			return &dimensions[i];
	return NULL;
}

const struct dimension *model_dimension_at(size_t i)
{
	return i < COUNT(dimensions) ? &dimensions[i] : NULL;
}

const struct fact *model_fact(const char *name)
{
	for (size_t i = 0; i < COUNT(facts); i++)
		if (strcmp(facts[i].name, name) == 0)
			return &facts[i];
	return NULL;
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
