#include "cpus.h"

#include <sched.h>

int cpus_usable(int max)
{
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
	return n < 1 ? 1 : n > max ? max : n;
}
