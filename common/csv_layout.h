/* The flat CSV layout of case-record.md: one row per victim of a case, the case's columns
 * repeated on each. The one table the reader (etl/load/csv_reader.c), the synthetic
 * country (synth/) and the docs take the layout from; a victim's attributes are columns
 * by common/attribute.h. Pure: no record, no key. */
#ifndef WQ_CSV_LAYOUT_H
#define WQ_CSV_LAYOUT_H

#include <stddef.h>

/* A column of case-record.md's CSV layout: whose field it holds (the case's, a victim's,
 * an offender's), the field's name there (under "identity" for the identity's fields),
 * and how its cell becomes a JSON value. */
enum csv_owner { CSV_CASE, CSV_VICTIM, CSV_OFFENDER };
enum csv_kind {
	CSV_TEXT, /* a string */
	CSV_INT,  /* a whole number (ages) */
	CSV_BOOL, /* true or false */
	CSV_LIST  /* codes separated by ";" (offences, technology) */
};
struct csv_column {
	const char *name; /* the header's name: the field, prefixed "victim_" or "offender_" */
	enum csv_owner owner;
	const char *field;
	int identity;
	enum csv_kind kind;
	int attr; /* the index in common/attribute.h of the attribute it holds; -1 none */
};

/* The layout: the case's columns (the first CSV_CASE_COLUMNS, agency and case_ref
 * first), then a victim's (with one for every attribute of common/attribute.h), then an
 * offender's; any other header name is E1006. Built once, thread-safe; never fails. */
#define CSV_CASE_COLUMNS 10
size_t csv_layout(const struct csv_column **cols);

#endif
