/* The quality of each agency's data (docs/operations.md, "Data quality"), as DHIS2 reports
 * it for a health facility: per agency and month of report, from the agency's first month
 * to the data's last,
 * - completeness: the cases received, and the months with none (a gap reads as missing
 *   data before it reads as a fall in abuse);
 * - timeliness: the median months from the abuse (incident) to the report, and from the
 *   report to its submission (the batch that brought the case's current revision);
 * - outliers of the monthly counts: the modified z-score and Tukey's fences
 *   (stats/outlier.h);
 * and the records each agency's submissions had rejected, by error class (an intake
 * batch names its agency; a file's rejected records are the file's, whose agencies a
 * rejected record may not name truly: they are counted under "files"). */
#ifndef WQ_QUALITY_H
#define WQ_QUALITY_H

#include <libpq-fe.h>
#include <stdio.h>

#include "common/error.h"

enum quality_format { QUALITY_TEXT, QUALITY_CSV };

/* Writes the report of AGENCY (NULL: every agency) to out. Returns 0, or -1 with e set
 * (S3012 an agency that sent nothing, S2xxx the database). */
int quality_report(PGconn *conn, const char *agency, enum quality_format format, FILE *out,
		   struct wq_error *e);

#endif
