/* `boxcar cache ls|du|prune|verify` (also reached from the packed file's
 * --boxcar-cache-prune and --boxcar-verify-cache). */
#ifndef BOXCAR_CACHECMD_H
#define BOXCAR_CACHECMD_H
#include "../common/payload.h"
#include "userns.h"

/* argv[0] is the verb. Returns the exit status (errors printed). */
int cache_command(int argc, char **argv);
/* Verify the cached layers of one packed file; prints a line per layer. */
int cache_verify_file(const struct payload *p, const char *file, const struct userns *u);

#endif
