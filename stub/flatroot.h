/* The flat root (--boxcar-root=flat): an image's layers merged once into
 * one tree, whiteouts applied, mounted read-only as the container's root
 * (runner.h's `flat`): no overlayfs needed, and reads as fast as the
 * host's file system.
 *
 *   ROOT/flat/<chain>/        the merged tree, present only once complete
 *   ROOT/locks/flat-<chain>   flock: shared while a container uses the tree
 *                             (and while it is merged), exclusive only to
 *                             remove it; its mtime is the tree's last use
 *   ROOT/locks/flat-<chain>.build  flock: exclusive while merging (cache.h
 *                             says why apart)
 *   ROOT/meta/flat-<chain>    its layers' diff_ids, bottom first (to verify it)
 *   ROOT/tmp/flat-<chain>.<pid>/  a merge in progress (removed if stale)
 *
 * <chain> is the image's ChainID (the OCI image spec's digest of its
 * diff_ids in order), so images that share every layer share the tree. It
 * is made from the cached layers (cache.h) with hard links, or copies
 * where they sit on another file system (a read-only cache), and holds
 * the mount points the runner needs (/proc, /sys, /dev, the /etc files),
 * as the overlay mode's init layer does. A tree found in BOXCAR_CACHE_RO's
 * flat/ (seed.h) is used in place instead, without a lock. */
#ifndef BOXCAR_FLATROOT_H
#define BOXCAR_FLATROOT_H
#include "../common/payload.h"
#include "../runner/runner.h"
#include "cache.h"

#define FLAT_PREFIX "flat-"

/* Make sure p's merged tree exists (its layers must be ensured first) and
 * hold a shared lock on it until cache_close. *tree: its path, malloc'd. */
int flat_ensure(struct cache *c, const struct payload *p, char **tree, struct err *e);
/* Create the mount points a spec names that the tree lacks (volumes,
 * the image's Volumes, --tmpfs, the working directory), as the overlay
 * mode creates them in its writable layer. */
int flat_mount_points(const char *tree, const struct runner_spec *s, struct err *e);
/* The hex of p's ChainID: its tree's name. */
void flat_chain_hex(const struct payload *p, char hex[DIGEST_HEX + 1]);
/* Compare a tree with its layers (recorded in ROOT/meta/flat-<hex> when
 * it was merged): each entry the one the layers show there (the same
 * file, not a copy of it, where it was linked), nothing missing, nothing
 * added but empty mount points. 1 if there is no such tree, 0 if it is
 * intact, -1 with e naming the first difference. */
int flat_verify(const struct cache *c, const char *hex, struct err *e);
/* 1 if name can be a tree's (64 hex digits). */
int flat_is_tree_name(const char *name);
/* Call fn for each complete tree; bytes: what it holds of its own (its
 * directories and copies; its links are the layers' files too). */
int flat_each(const struct cache *c, int (*fn)(const struct cache *, const struct cache_entry *, void *),
	      void *arg, struct err *e);
/* Remove a tree unless a container holds it. 1 removed, 0 in use, -1 error. */
int flat_remove(const struct cache *c, const char *hex, struct err *e);

#endif
