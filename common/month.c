/* Months and ages (see month.h). */
#include "common/month.h"

#include <stdio.h>

int month_index(int y, int m)
{
	return y * 12 + m - 1;
}

void month_format(int idx, char out[11])
{
	snprintf(out, 11, "%04d-%02d-01", idx / 12, idx % 12 + 1);
}

int month_age(int by, int bm, int bd, int y, int m, int d)
{
	int age = y - by - (m < bm || (m == bm && bd > (d ? d : 1)));
	/* A month alone: a child born in that month is 0, not a child yet to be born. */
	if (age < 0 && d == 0 && by == y && bm == m)
		age = 0;
	return age;
}
