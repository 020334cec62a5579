/* Forced fallbacks, for tests (fallback.h). */
#include "fallback.h"

#include <stdlib.h>
#include <string.h>

/* What "all" leaves out: "deny-" ones change what the host allows, and
 * overlayfs reads the whiteouts no-whiteout-dev stores only in part (a
 * lookup hides the name, a readdir still lists it), so the overlay mode
 * cannot run on them; they are for the flat root (Linux < 5.8, where
 * overlayfs in a user namespace is missing anyway). */
static int in_all(const char *name)
{
	return strncmp(name, "deny-", 5) && strcmp(name, "no-whiteout-dev");
}

int fallback_forced(const char *name)
{
	const char *v = getenv("BOXCAR_TEST_FALLBACKS");
	size_t n = strlen(name);
	for (const char *p = v; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		size_t k = strcspn(p, ",");
		if ((k == n && !strncmp(p, name, n)) || (k == 3 && !strncmp(p, "all", 3) && in_all(name)))
			return 1;
	}
	return 0;
}
