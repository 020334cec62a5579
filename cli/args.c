/* The command line's small pieces every verb uses. */
#include "args.h"

#include <stdio.h>
#include <string.h>
#include "../common/err.h"

int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "boxcar: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; see `boxcar help`\n");
	return EXIT_USAGE;
}

/* "-x VALUE", "--long VALUE" or "--long=VALUE"; advances *i. */
const char *opt_value(int argc, char **argv, int *i, const char *sh, const char *lg)
{
	const char *a = argv[*i];
	size_t n = lg ? strlen(lg) : 0;
	if (lg && strncmp(a, lg, n) == 0 && a[n] == '=')
		return a + n + 1;
	if ((sh && strcmp(a, sh) == 0) || (lg && strcmp(a, lg) == 0))
		return *i + 1 < argc ? argv[++*i] : NULL;
	return NULL;
}

int is_opt(const char *a, const char *sh, const char *lg)
{
	size_t n = lg ? strlen(lg) : 0;
	return (sh && strcmp(a, sh) == 0) || (lg && (strcmp(a, lg) == 0 || (strncmp(a, lg, n) == 0 && a[n] == '=')));
}
