/* The cores a process may run on: its affinity, not the machine's count. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "common/cores.h"

/* Pinned to one core (as taskset or a container's cpuset pins a server), the work that
 * splits itself over threads takes one; unpinned again, the cores it had, capped at most. */
static void follows_the_affinity(void **state)
{
	(void)state;
	cpu_set_t all, one;
	assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
	int first = 0;
	while (!CPU_ISSET(first, &all))
		first++;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
	assert_int_equal(cores(8), 1);
	assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);
	int n = CPU_COUNT(&all);
	assert_int_equal(cores(8), n < 8 ? n : 8);
	assert_int_equal(cores(1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(follows_the_affinity)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
