/* The UTF-8 byte-order mark Excel writes before a "CSV UTF-8" file's first byte (and
 * some editors before an NDJSON file's): never part of a header, a code or a record. */
#ifndef WQ_BOM_H
#define WQ_BOM_H

#include <stddef.h>
#include <string.h>

/* The length of a byte-order mark at the start of s[0..len): 3, or 0. */
static inline size_t bom_length(const char *s, size_t len)
{
	return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

#endif
