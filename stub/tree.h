/* A digest of an extracted layer directory: names (sorted), types, modes,
 * sizes, file contents, link targets, whiteout and opaque markers. Not
 * owners or times. Recorded when a layer enters the cache and recomputed
 * by --boxcar-verify-cache / `boxcar cache verify`. */
#ifndef BOXCAR_TREE_H
#define BOXCAR_TREE_H
#include "../common/digest.h"
#include "../common/err.h"

int tree_digest(int dirfd, char out[DIGEST_STR], struct err *e);

#endif
