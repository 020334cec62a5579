/* A shared read-only cache (BOXCAR_CACHE_RO, cache.h) and its checks.
 *
 * `boxcar cache seed FILE DIR` (or `FILE --boxcar-cache-seed=DIR`)
 * extracts FILE's layers and merges its flat root into DIR, in the cache's
 * own layout (layers/<hex>, meta/<hex>, flat/<chain>, meta/flat-<chain>),
 * each entry built in DIR/tmp and renamed into place, so readers never see
 * half of one; layers already there (a second seeding, another file
 * sharing them) are kept. An admin seeds it once and publishes it to
 * everyone: the layout is world-readable (0755), files keep the image's
 * modes without setuid/setgid bits and belong to the seeder, no device
 * node is made. DIR must be the seeder's and writable by no one else: a
 * read-only cache is trusted as it is. */
#ifndef BOXCAR_SEED_H
#define BOXCAR_SEED_H
#include "../common/payload.h"

/* Seed dir with p's layers and flat root; file names p in messages. */
int cache_seed(const struct payload *p, const char *file, const char *dir, struct err *e);

/* What doctor says of a read-only cache at dir, for p (NULL: no file). */
struct ro_report {
	int ok;              /* 1 usable, 0 a WARN, -1 a FAIL */
	char msg[1024];      /* one line: what was found, or what is wrong and the fix */
};
void ro_check(const char *dir, const struct payload *p, struct ro_report *r);

#endif
