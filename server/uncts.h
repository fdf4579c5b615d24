/* The UN-CTS return (docs/releases.md, "The UN-CTS return"): the tables of UNODC's annual
 * crime-trends survey that the warehouse can fill for one year, from an official release's
 * published product, as a workbook laid out as the questionnaire's tables and as one CSV.
 *
 * Every number is the public's answer of a product query (server/product.h) of the
 * release: noisy, with its 95% interval, a suppressed cell written "c"; nothing the
 * release does not publish. The tables: offences by ICCS code (through the ICCS mapping of
 * config/codelists/offences.csv, labelled by config/codelists/iccs.csv), child victims by
 * sex and age band, and cases by stage of the justice process and offender group (the
 * survey counts persons; the warehouse counts cases: said in the notes). */
#ifndef WQ_UNCTS_H
#define WQ_UNCTS_H

#include "common/error.h"
#include "server/protect.h"
#include "server/indicator.h"

struct uncts_source {
	const struct protector *protector; /* with the product, official releases */
	const struct indicators *indicators;
	const struct codelists *lists;
	const char *country; /* [etl] default_id_country */
};

/* Writes DIR/uncts-YEAR.xlsx and DIR/uncts-YEAR.csv for year of release (0: the newest
 * published). U1001 a year the release does not hold, U1002 an offence mapped to an ICCS
 * code config/codelists/iccs.csv does not name, U1003 a file that cannot be written,
 * R1001 no such published release, S2xxx the database. */
int uncts_write(const struct uncts_source *src, PGconn *conn, int year, int release,
		const char *dir, struct wq_error *e);

#endif
