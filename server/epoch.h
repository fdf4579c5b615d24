/* The noise's epochs (docs/privacy.md, "Changes between data versions"; migration 030).
 * A cell whose children did not change keeps its fresh noise and its ledger identity, so
 * whether a repeat is free tells whether they changed. Planted cases turned that into a
 * test of named children: a child already reported that year leaves the planter's cells
 * as they were, a new one changes them. So every change to the cases records from which
 * year the facts may have changed, whatever the data hold (a case's year less one, or
 * its interventions' first start less one, on to the last; every year for a merge),
 * against the data version that shows it
 * (analytics.year_change), and a cell's fresh noise and identity take the epoch of its
 * last year: the latest version recorded at or before it. After a plant in year Y every
 * cell reaching Y - 1 or later is drawn and charged anew, whether the child was there or
 * not; a cell of earlier years keeps its noise, and its repeat stays free.
 *
 * Why the last year, not each child's year: a cell of old children whose years reach Y
 * could gain the planted child or not, and must change either way. Why not every year a
 * cell spans: the epoch depends on the cell's years through their end alone, and since
 * every change reaches to the last year, the epoch at a year never falls with a later
 * one, so rephrasing the years of one set of children (a period that excludes nobody)
 * buys at most one fresh part per distinct epoch after its children's last year.
 *
 * The published product's base cells take these epochs; a token's cells take their
 * period's id instead (server/period.h, docs/privacy.md "Periods"). */
#ifndef WQ_EPOCH_H
#define WQ_EPOCH_H

#include <stddef.h>
#include <stdint.h>

/* The epochs as a data version holds them: ascending first years, each with the latest
 * version recorded at or before it. */
struct epochs {
	size_t n;
	int *from;
	long long *version;
};

/* The rows of analytics.year_change a version shows, as "from:version,..." (NULL when
 * none), for a statement that reads it in the version's snapshot. */
#define EPOCHS_SQL                                                                                 \
	"(SELECT string_agg(from_year || ':' || version, ',' ORDER BY from_year) "                 \
	"FROM analytics.year_change WHERE version IS NOT NULL)"

/* Reads EPOCHS_SQL's text (NULL or "": none) into ep. 0, or -1 on text it does not know. */
int epochs_parse(struct epochs *ep, const char *text);
void epochs_free(struct epochs *ep);

/* The epoch of a cell of DEFINITION (its years: the constraint "year=..." of the
 * canonical definition, query.h): the latest version recorded at or before its last year;
 * 0 when none is (the noise then as before epochs), or when the cell has no year. */
uint64_t epochs_of(const struct epochs *ep, const char *definition);

#endif
