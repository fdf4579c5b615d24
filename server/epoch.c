/* The noise's epochs (see epoch.h). */
#include "server/epoch.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

int epochs_parse(struct epochs *ep, const char *text)
{
	memset(ep, 0, sizeof *ep);
	if (!text || !*text)
		return 0;
	size_t most = 1;
	for (const char *p = text; *p; p++)
		most += *p == ',';
	ep->from = xcalloc(most, sizeof *ep->from);
	ep->version = xcalloc(most, sizeof *ep->version);
	long long latest = 0;
	for (const char *p = text; *p;) {
		char *end;
		long from = strtol(p, &end, 10);
		if (end == p || *end != ':')
			goto bad;
		p = end + 1;
		long long v = strtoll(p, &end, 10);
		if (end == p || (*end && (*end != ',' || !end[1])) ||
		    (ep->n && from <= ep->from[ep->n - 1]))
			goto bad;
		p = *end ? end + 1 : end;
		/* the latest at or before each first year */
		if (v > latest)
			latest = v;
		ep->from[ep->n] = (int)from;
		ep->version[ep->n++] = latest;
	}
	return 0;
bad:
	epochs_free(ep);
	return -1;
}

void epochs_free(struct epochs *ep)
{
	free(ep->from);
	free(ep->version);
	memset(ep, 0, sizeof *ep);
}

/* The last year of the definition's constraint "year=A-B,C,...", or 0 ("year=none"). */
static int last_year(const char *definition)
{
	const char *p = definition;
	while (p && strncmp(p, "year=", 5) != 0) {
		p = strchr(p, '&');
		if (p)
			p++;
	}
	if (!p)
		return 0;
	int last = 0;
	for (p += 5; *p && *p != '&';) {
		char *end;
		long y = strtol(p, &end, 10);
		if (end == p)
			break; /* "none" */
		if (y > last)
			last = (int)y;
		p = *end == '-' || *end == ',' ? end + 1 : end;
	}
	return last;
}

uint64_t epochs_of(const struct epochs *ep, const char *definition)
{
	if (!ep || !ep->n)
		return 0;
	int last = last_year(definition);
	if (!last)
		return 0;
	/* the last first year at or before it (a handful: a scan) */
	uint64_t v = 0;
	for (size_t i = 0; i < ep->n && ep->from[i] <= last; i++)
		v = (uint64_t)ep->version[i];
	return v;
}
