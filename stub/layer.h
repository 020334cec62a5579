/* Apply one layer (a tar stream read through libarchive) to a directory.
 *
 * LAYER_OVERLAY: the directory is a fresh overlayfs lower dir; whiteouts
 *   become overlay whiteouts (char 0/0) and opaque markers become the
 *   user.overlay.opaque xattr (overlay mounted with userxattr).
 * LAYER_DELETE / LAYER_CONTENT: flattening into one tree, in two passes
 *   over the same layer: first apply its whiteouts to what the lower
 *   layers left (delete, or empty an opaque dir), then write its content.
 *   Two passes keep an opaque marker from wiping entries of its own layer,
 *   whatever their order in the tar. */
#ifndef BOXCAR_LAYER_H
#define BOXCAR_LAYER_H
#include <archive.h>
#include "../common/err.h"

#include <stdint.h>

struct tree_memo;

enum layer_mode { LAYER_OVERLAY, LAYER_DELETE, LAYER_CONTENT };

struct layer_how {
	enum layer_mode mode;
	/* Restore the tar's owners (real root, or root of a subordinate-id
	 * namespace); otherwise every entry becomes the caller's. Owners
	 * beyond uids/gids (not mapped) become 65534, or 0 if that is not. */
	int owners;
	uint32_t uids, gids;
	int devices;   /* create device nodes (real root only); else skip them */
	/* drop setuid/setgid from files: a tree others can reach on the host
	 * (a shared read-only cache, seed.h) must not hold the maker's
	 * setuid programs */
	int nosuid;
	struct tree_memo *memo;   /* NULL, or where each file's sum goes (tree.h) */
};

/* What the caller can do, as `mode`: owners and devices when real root. */
struct layer_how layer_how_self(enum layer_mode mode);

/* rootfd: the target directory. libarchive only parses the tar; the
 * writer is ours (every name created relative to a directory fd opened
 * without following symlinks). The umask is 0 while it runs. */
int layer_apply(struct archive *a, int rootfd, const struct layer_how *how, struct err *e);

#endif
