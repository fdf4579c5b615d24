/* A bounded structural scan of JSON text, run on a request body before any parser
 * allocates: its nesting depth, the items of its arrays and of its top-level array. A
 * body nested 100,000 levels deep or holding a million-item array is refused here in
 * constant memory, where jansson would first build it. It does not validate JSON (the
 * parser does that next); strings and their escapes are skipped correctly, so brackets
 * inside strings do not count. */
#ifndef WQ_JSON_SCAN_H
#define WQ_JSON_SCAN_H

#include <stddef.h>

enum json_scan_result {
	SCAN_OK,
	SCAN_TOO_DEEP,	     /* nested deeper than max_depth */
	SCAN_ARRAY_TOO_LONG, /* an array below the top holds more than max_items */
	SCAN_TOO_MANY,	     /* the top-level array holds more than max_top */
};

struct json_scan_limits {
	int max_depth;	/* of the text; at most JSON_SCAN_MAX_DEPTH */
	long max_items; /* items of any array below the top level */
	long max_top;	/* items of a top-level array */
};

#define JSON_SCAN_MAX_DEPTH 1024

/* Scans S (N bytes). *top_items: the items of the top-level array, or 1 when the text is
 * not an array. */
enum json_scan_result json_scan(const char *s, size_t n, const struct json_scan_limits *lim,
				long *top_items);

#endif
