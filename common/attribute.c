/* The attributes of a child (see attribute.h): the table. Order is the order of the
 * API's dimensions, the CSV layout's columns and the warehouse's columns as COPY lists
 * them; nothing depends on it beyond that. */
#include "common/attribute.h"

#include <string.h>

static const struct attribute attributes[] = {
    {"gender_identity", "gender_identity", "not_stated", ATTR_SENSITIVE | ATTR_POPULATION},
    {"sexual_orientation", "sexual_orientation", "not_stated", ATTR_SENSITIVE},
    {"ethnicity", "ethnicities", "not_stated", ATTR_SENSITIVE | ATTR_POPULATION},
    {"disability", "disability", "unknown", ATTR_POPULATION},
    {"migrant_status", "migrant_status", "unknown", ATTR_POPULATION},
    {"economic_status", "economic_status", "unknown", ATTR_POPULATION},
    {"education_status", "education_status", "unknown", ATTR_POPULATION},
    {"relationship", "relationship", "unknown", ATTR_OF_CASE},
};

#define COUNT (sizeof attributes / sizeof attributes[0])
_Static_assert(COUNT <= ATTR_MAX, "raise ATTR_MAX in attribute.h");

size_t attr_count(void)
{
	return COUNT;
}

const struct attribute *attr_at(size_t i)
{
	return i < COUNT ? &attributes[i] : NULL;
}

int attr_index(const char *name)
{
	for (size_t i = 0; i < COUNT; i++)
		if (strcmp(attributes[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct attribute *attr_find(const char *name)
{
	int i = attr_index(name);
	return i < 0 ? NULL : &attributes[i];
}
