/* The cores online (see cores.h). */
#include "common/cores.h"

#include <unistd.h>

int cores(int most)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > most ? most : (int)n;
}
