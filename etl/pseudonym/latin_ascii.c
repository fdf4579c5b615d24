/* The Latin-ASCII table (see latin_ascii.h), built from ICU under pthread_once. */
#include "etl/pseudonym/latin_ascii.h"

#include <pthread.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>

#define SPAN_A (LATIN_ASCII_LAST - LATIN_ASCII_FIRST + 1)
#define SPAN_B (LATIN_ADD_LAST - LATIN_ADD_FIRST + 1)

static char table[SPAN_A + SPAN_B][5];
static int table_ok;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* One code point through the transliterator; kept only when all of it is ASCII letters
 * (and an apostrophe, which normalisation drops: ŉ is 'n). */
static void fold_one(UTransliterator *t, int32_t c, char out[5])
{
	UChar buf[16];
	int32_t len = 1, limit = 1;
	UErrorCode st = U_ZERO_ERROR;
	buf[0] = (UChar)c;
	utrans_transUChars(t, buf, &len, 16, 0, &limit, &st);
	out[0] = '\0';
	if (!u_isalpha(c)) /* × and ÷ are not letters to fold */
		return;
	if (U_FAILURE(st) || len < 1 || len > 4 || (len == 1 && buf[0] == (UChar)c))
		return;
	for (int32_t i = 0; i < len; i++) {
		UChar u = buf[i];
		if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '\''))
			return;
	}
	for (int32_t i = 0; i < len; i++)
		out[i] = (char)buf[i];
	out[len] = '\0';
}

static void build(void)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar id[16];
	u_uastrcpy(id, "Latin-ASCII");
	UTransliterator *t = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
	if (U_FAILURE(st))
		return;
	for (int32_t c = LATIN_ASCII_FIRST; c <= LATIN_ASCII_LAST; c++)
		fold_one(t, c, table[c - LATIN_ASCII_FIRST]);
	for (int32_t c = LATIN_ADD_FIRST; c <= LATIN_ADD_LAST; c++)
		fold_one(t, c, table[SPAN_A + c - LATIN_ADD_FIRST]);
	utrans_close(t);
	table_ok = 1;
}

int latin_ascii(int32_t c, char out[5])
{
	pthread_once(&once, build);
	if (!table_ok)
		return -1;
	const char *f = NULL;
	if (c >= LATIN_ASCII_FIRST && c <= LATIN_ASCII_LAST)
		f = table[c - LATIN_ASCII_FIRST];
	else if (c >= LATIN_ADD_FIRST && c <= LATIN_ADD_LAST)
		f = table[SPAN_A + c - LATIN_ADD_FIRST];
	if (!f || !f[0])
		return 0;
	size_t n = strlen(f);
	memcpy(out, f, n + 1);
	return (int)n;
}
