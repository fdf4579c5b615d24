/* The bounded scan of JSON text (see json_scan.h). */
#include "etl/intake/json_scan.h"

enum json_scan_result json_scan(const char *s, size_t n, const struct json_scan_limits *lim,
				long *top_items)
{
	/* Per open container: whether it is an array, its commas, and whether it holds a
	 * value yet (items = commas + 1 once it does). */
	char is_array[JSON_SCAN_MAX_DEPTH + 1];
	long commas[JSON_SCAN_MAX_DEPTH + 1];
	char any[JSON_SCAN_MAX_DEPTH + 1];
	int depth = 0, in_string = 0, top_array = 0;
	int max_depth = lim->max_depth < JSON_SCAN_MAX_DEPTH ? lim->max_depth : JSON_SCAN_MAX_DEPTH;
	*top_items = 1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++; /* the escaped character, whatever it is */
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (depth > 0 && is_array[depth] && c != ']' && c != ',')
			any[depth] = 1;
		switch (c) {
		case '"':
			in_string = 1;
			break;
		case '[':
		case '{':
			if (++depth > max_depth)
				return SCAN_TOO_DEEP;
			is_array[depth] = c == '[';
			commas[depth] = 0;
			any[depth] = 0;
			if (depth == 1)
				top_array = c == '[';
			break;
		case ']':
		case '}':
			if (depth == 1 && top_array)
				*top_items = any[1] ? commas[1] + 1 : 0;
			if (depth > 0)
				depth--;
			break;
		case ',':
			if (depth > 0 && is_array[depth]) {
				long items = ++commas[depth] + 1;
				if (depth == 1 && top_array ? items > lim->max_top
							    : items > lim->max_items)
					return depth == 1 && top_array ? SCAN_TOO_MANY
								       : SCAN_ARRAY_TOO_LONG;
			}
			break;
		default:
			break;
		}
	}
	if (depth >= 1 && top_array) /* unterminated: the parser will say so */
		*top_items = any[1] ? commas[1] + 1 : 0;
	return SCAN_OK;
}
