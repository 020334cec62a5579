/* The per-user, content-addressed layer cache.
 *
 *   ROOT/layers/<hex>/    one extracted layer (overlay lower dir), named by
 *                         its diff_id; present only once complete
 *   ROOT/tmp/<hex>.<pid>/ extraction in progress (removed if found stale)
 *   ROOT/locks/<hex>      flock'd while a layer is being extracted
 *   ROOT/run/             mount point for each container's private tmpfs
 *
 * ROOT is $BOXCAR_CACHE, else $XDG_CACHE_HOME/boxcar, else ~/.cache/boxcar.
 * It must belong to the caller and not be writable by others. */
#ifndef BOXCAR_CACHE_H
#define BOXCAR_CACHE_H
#include "../common/payload.h"

struct cache {
	char *root;
	int layers, tmp, locks;    /* directory fds */
};

int cache_open(struct cache *c, struct err *e);
void cache_close(struct cache *c);
/* Make sure every layer of p is extracted (verified) in the cache. */
int cache_ensure(struct cache *c, const struct payload *p, const char *file, struct err *e);
/* Path of a layer directory (malloc'd). */
char *cache_layer_path(const struct cache *c, const struct payload_layer *l);

#endif
