/* Months and ages: what the record, the loader and the generator all count in. A month
 * index is year * 12 + month - 1. */
#ifndef WQ_MONTH_H
#define WQ_MONTH_H

int month_index(int y, int m);

/* "YYYY-MM-01" of a month index, as the warehouse stores months. */
void month_format(int idx, char out[11]);

/* Completed years on Y-M-D of a child born BY-BM-BD; D = 0 means a month given alone:
 * the age at its first day, and 0 for a child born in that month. Negative when the
 * birth is after that date. */
int month_age(int by, int bm, int bd, int y, int m, int d);

#endif
