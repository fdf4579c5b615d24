/* A table's rows written straight to text, as JSON (an array of arrays) or as CSV lines:
 * a fresh 4-dimension table has 3,432 rows of ten values, and building them as jansson
 * objects, dumping and freeing them cost more than computing the table. The numbers are
 * written as jansson writes them (respond.h's documents), so the text is the same. */
#ifndef WQ_ROWS_H
#define WQ_ROWS_H

#include "common/strbuf.h"

/* The last numbers written, by their bits: a table repeats its counts and their
 * intervals (a fresh 4-dimension table: 4,215 numbers, 1,164 of them distinct), and
 * printing a double to 17 digits is most of the writing. A thread's memo, one a format,
 * outlives its tables: the interval of a noisy count is a function of the count and of the
 * noise's variance, the same for tables of one shape (sensitivity.c), so the next such table
 * finds most of its numbers printed (633 distinct interval ends in that table, printed
 * anew at each before). */
#define ROWS_MEMO_BITS 12
#define ROWS_MEMO      (1 << ROWS_MEMO_BITS)

struct rows_memo {
	unsigned long long bits;
	unsigned char len; /* 0: empty */
	char text[31];
};

struct rows {
	struct strbuf text;
	int csv;
	int closed;		/* its JSON's last bracket written */
	int nrows, ncols;	/* written so far; ncols in the current row */
	struct rows_memo *memo; /* the thread's, for the format */
};

void rows_init(struct rows *r, int csv);
void rows_free(struct rows *r);

void rows_begin(struct rows *r); /* a new row */
void rows_end(struct rows *r);
void rows_null(struct rows *r);
void rows_string(struct rows *r, const char *s);
void rows_int(struct rows *r, long long v);
void rows_real(struct rows *r, double v); /* not finite: null */
void rows_bool(struct rows *r, int v);

/* The rows written, as their text (JSON: with its brackets; CSV: the lines). */
const char *rows_text(struct rows *r, size_t *len);

#endif
