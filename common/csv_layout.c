/* The flat CSV layout (see csv_layout.h). */
#include "common/csv_layout.h"

#include <pthread.h>

#include "common/attribute.h"
#include "common/xalloc.h"

/* The fixed columns of the layout; a victim's attributes follow victim_age. */
static const struct csv_column case_cols[] = {
    {"agency", CSV_CASE, "agency", 0, CSV_TEXT},
    {"case_ref", CSV_CASE, "case_ref", 0, CSV_TEXT},
    {"reported", CSV_CASE, "reported", 0, CSV_TEXT},
    {"incident", CSV_CASE, "incident", 0, CSV_TEXT},
    {"region", CSV_CASE, "region", 0, CSV_TEXT},
    {"offences", CSV_CASE, "offences", 0, CSV_LIST},
    {"technology", CSV_CASE, "technology", 0, CSV_LIST},
    {"detection", CSV_CASE, "detection", 0, CSV_TEXT},
    {"financial", CSV_CASE, "financial", 0, CSV_BOOL},
    {"status", CSV_CASE, "status", 0, CSV_TEXT},
};
/* A person's columns, for victims and offenders alike (the name gets the prefix). */
static const struct csv_column person_cols[] = {
    {"ref", 0, "ref", 0, CSV_TEXT},
    {"given_name", 0, "given_name", 1, CSV_TEXT},
    {"family_name", 0, "family_name", 1, CSV_TEXT},
    {"birth_date", 0, "birth_date", 1, CSV_TEXT},
    {"national_id", 0, "national_id", 1, CSV_TEXT},
    {"id_country", 0, "id_country", 1, CSV_TEXT},
    {"sex", 0, "sex", 0, CSV_TEXT},
    {"age", 0, "age", 0, CSV_INT},
};
#define NCASE (sizeof case_cols / sizeof case_cols[0])
_Static_assert(NCASE == CSV_CASE_COLUMNS, "CSV_CASE_COLUMNS counts case_cols");
#define NPERSON (sizeof person_cols / sizeof person_cols[0])

static struct csv_column layout[NCASE + 2 * NPERSON + ATTR_MAX];
static size_t nlayout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

static void add_person(enum csv_owner owner, const char *prefix, const char *field, int identity,
		       enum csv_kind kind, int attr)
{
	layout[nlayout++] = (struct csv_column){
	    xasprintf("%s%s", prefix, field), owner, field, identity, kind, attr};
}

static void build_layout(void)
{
	for (size_t i = 0; i < NCASE; i++) {
		layout[nlayout] = case_cols[i];
		layout[nlayout++].attr = -1;
	}
	for (size_t i = 0; i < NPERSON; i++)
		add_person(CSV_VICTIM, "victim_", person_cols[i].field, person_cols[i].identity,
			   person_cols[i].kind, -1);
	for (size_t a = 0; a < attr_count(); a++)
		add_person(CSV_VICTIM, "victim_", attr_at(a)->name, 0, CSV_TEXT, (int)a);
	for (size_t i = 0; i < NPERSON; i++)
		add_person(CSV_OFFENDER, "offender_", person_cols[i].field, person_cols[i].identity,
			   person_cols[i].kind, -1);
}

size_t csv_layout(const struct csv_column **cols)
{
	pthread_once(&layout_once, build_layout);
	*cols = layout;
	return nlayout;
}
