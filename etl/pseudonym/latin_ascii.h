/* Latin letters folded to ASCII by ICU's Latin-ASCII transliterator (CLDR's table): the
 * letters that have no decomposition, which stripping marks leaves alone (Ø -> O,
 * Æ -> AE, ß -> ss, Ł -> L, Đ -> D, Þ -> TH, ı -> i). The table is built once, from ICU,
 * on first use: a lookup per code point then costs what the fast path does, where a
 * transliterator call per name would cost microseconds. */
#ifndef WQ_LATIN_ASCII_H
#define WQ_LATIN_ASCII_H

#include <stdint.h>

/* The code point ranges the table covers: Latin-1 Supplement, Latin Extended-A and -B,
 * IPA Extensions and Latin Extended Additional. */
#define LATIN_ASCII_FIRST 0x00C0
#define LATIN_ASCII_LAST  0x024F
#define LATIN_ADD_FIRST	  0x1E00
#define LATIN_ADD_LAST	  0x1EFF

/* Writes the ASCII folding of code point c to out (NUL-terminated, at most 4 letters)
 * and returns its length; 0 when c is not a Latin letter ICU folds to ASCII. -1 when
 * ICU could not be opened (the caller reports it; names then cannot be normalised). */
int latin_ascii(int32_t c, char out[5]);

#endif
