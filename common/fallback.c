/* Forced fallbacks, for tests (fallback.h). */
#include "fallback.h"

#include <stdlib.h>
#include <string.h>

int fallback_forced(const char *name)
{
	const char *v = getenv("BOXCAR_TEST_FALLBACKS");
	size_t n = strlen(name);
	for (const char *p = v; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		size_t k = strcspn(p, ",");
		/* ("deny-" ones change what the host allows: never part of "all") */
		if ((k == n && !strncmp(p, name, n)) || (k == 3 && !strncmp(p, "all", 3) && strncmp(name, "deny-", 5)))
			return 1;
	}
	return 0;
}
