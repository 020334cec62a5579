/* libFuzzer target: the loader's cache as read to find the GPU driver's
 * libraries (common/ldcache.c). Input: the cache's bytes. Every string
 * handed back is read whole, so ASan sees one that runs past the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../common/ldcache.h"

static int touch(const struct ldcache_entry *en, void *arg)
{
	*(size_t *)arg += strlen(en->name) + strlen(en->path) + en->flags;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* (a copy of exactly size bytes: a read past it is caught) */
	unsigned char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	struct err e = { 0 };
	size_t sum = 0;
	ldcache_walk(copy, size, touch, &sum, &e);
	free(copy);
	return 0;
}
