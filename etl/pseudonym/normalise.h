/* Identifier normalisation before hashing (pseudonymisation.md): the same child written
 * by two agencies with diacritics, variant Arabic letter forms, titles or punctuation
 * normalises to the same string. Linkage across scripts is never attempted. */
#ifndef WQ_NORMALISE_H
#define WQ_NORMALISE_H

#include <stddef.h>

#include "common/error.h"

/* Normalises a personal name: NFKC, case folding and mark stripping (utf8proc), then the
 * Latin and Arabic rules, titles and بن/بنت/ابن dropped, "عبد ال..." joined, words
 * separated by one space, letters upper-cased. Writes at most outsz-1 bytes and a NUL to
 * out. Returns the length (0 when nothing is left), or -1 with e set: E1002 invalid UTF-8,
 * E1005 too long for out. Never echoes the input in e. */
int norm_name(const char *in, size_t len, char *out, size_t outsz, struct wq_error *e);

/* Turns the table-free fast path of norm_name on (default) or off, so that tests can
 * check it against the utf8proc path. */
void norm_set_fast_path(int on);

/* Normalises a national ID: NFKC, Arabic-Indic digits to ASCII, ASCII letters and digits
 * kept (upper case), everything else dropped. Returns the length or -1 (as norm_name). */
/* The American Soundex code (the US Census's, Knuth vol. 3) of a name that norm_name
 * wrote in Latin letters: its first letter and three digits for the consonant sounds that
 * follow (Mohammed, Mohamed, Muhammad: M530). Words are read as one. Returns 0, or -1 when
 * the name holds anything but A-Z and spaces (Arabic script: its spellings are folded by
 * norm_name already). */
int norm_soundex(const char *name, char out[5]);

int norm_national_id(const char *in, size_t len, char *out, size_t outsz, struct wq_error *e);

/* Parses "YYYY-MM-DD" (or, when allow_month, "YYYY-MM") into its parts; day is 0 for a
 * month. Returns 0, or -1 when the form is wrong (E1004) or the date impossible or outside
 * 1900..today (E3001). */
int norm_date(const char *s, int allow_month, int *y, int *m, int *d, struct wq_error *e);

/* Today's date (UTC) as y*10000+m*100+d; tests may pin it with norm_set_today. */
int norm_today(void);
void norm_set_today(int yyyymmdd);

/* The one-letter sex code of the canonical encoding: F, M, X, U; 0 for a non-code. */
char norm_sex(const char *code);

#endif
