/* Harmonised code lists (config/codelists/NAME.csv: code,label_en,label_ar[,iccs|source]),
 * the vocabulary every field of a case is validated against and every label is served
 * from. A fourth column is named by the header: iccs (offences: the UNODC ICCS codes) or
 * source (agencies: the list of multiple-systems estimation the agency belongs to,
 * docs/methods.md "Hidden victims"). */
#ifndef WQ_CODELIST_H
#define WQ_CODELIST_H

#include <stddef.h>

#include "common/error.h"

struct code_item {
	char *code, *label_en, *label_ar;
	char *iccs;   /* UNODC ICCS code(s), offences only; NULL elsewhere */
	char *source; /* the capture list of an agency (police, social, ...); NULL elsewhere */
};

struct code_list {
	char *name;
	struct code_item *items; /* in file order, which is display order */
	size_t n;
	size_t *sorted; /* indexes of items by code, for binary search */
};

struct codelists {
	struct code_list *lists;
	size_t n;
};

/* Loads every *.csv in DIR. Returns -1 with e set (S1101 unreadable directory or file,
 * S1102 malformed file naming file and line, S1103 duplicate code). */
int codelists_load(struct codelists *cl, const char *dir, struct wq_error *e);
void codelists_free(struct codelists *cl);
/* The list called NAME, or NULL. Not copied: valid until codelists_free. */
const struct code_list *codelists_get(const struct codelists *cl, const char *name);
/* The index of CODE in L (file order), or -1 when it is not a code of L. */
int codelist_index(const struct code_list *l, const char *code);
/* The list's codes with their English labels, "a (Label A), b (Label B), ...", in at most
 * about max bytes ("and N more" ends a list cut short), for error messages: a clerk who
 * typed a region's name reads which code it is. Caller frees. */
char *codelist_codes(const struct code_list *l, size_t max);

#endif
