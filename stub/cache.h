/* The per-user, content-addressed layer cache.
 *
 *   ROOT/layers/<hex>/    one extracted layer (overlay lower dir), named by
 *                         its diff_id; present only once complete
 *   ROOT/meta/<hex>       "sha256:..." digest of the extracted tree (tree.h),
 *                         written before the layer is renamed into place
 *   ROOT/tmp/<hex>.<pid>/ extraction in progress (removed if found stale)
 *   ROOT/locks/<hex>      flock, "in use": shared while a container uses
 *                         the layer (and while it is extracted), exclusive
 *                         only to prune it, never waited for; its mtime is
 *                         the layer's last use
 *   ROOT/locks/<hex>.build  flock: exclusive while the layer is extracted.
 *                         Apart because a launcher that waited for the
 *                         in-use lock exclusively would wait for every
 *                         container using the layer to end, and an MPI
 *                         job's ranks wait for each other.
 *   ROOT/run/             mount point for each container's private tmpfs
 *   ROOT/flat/, ROOT/meta/flat-*, ROOT/locks/flat-*: flat roots (flatroot.h)
 *   ROOT/overlay-refused  "BOOT_ID WHY": overlayfs was refused (stub/main.c)
 *
 * ROOT/ids/<map>/...       the same layout, one per subordinate-id map
 *                         (userns.h): layers there keep the tar's owners
 *
 * ROOT is $BOXCAR_CACHE; else, in a Slurm job, node-local storage
 * ($SLURM_TMPDIR or $TMPDIR, /boxcar-UID: fsutil.h's cache_root_choose);
 * else $XDG_CACHE_HOME/boxcar, else ~/.cache/boxcar. It must belong to the
 * caller and not be writable by others. One not set by BOXCAR_CACHE that
 * lies on a network file system (netfs.h) gets a one-line warning.
 * $BOXCAR_CACHE_RO names an optional read-only cache of the same layout
 * (e.g. site-wide, pre-extracted by `boxcar cache seed`: seed.h): layers
 * found there are used in place, and a flat root found in its flat/. */
#ifndef BOXCAR_CACHE_H
#define BOXCAR_CACHE_H
#include <time.h>
#include "../common/payload.h"
#include "layer.h"

struct cache {
	char *root;                /* ROOT, or ROOT/STORE */
	struct layer_how how;      /* how layers are extracted (layer.h) */
	char *ro_root;             /* $BOXCAR_CACHE_RO or NULL */
	int layers, meta, tmp, locks;  /* directory fds */
	int ro_layers;             /* -1 if none */
	int ro_flat;               /* its flat/ (flatroot.h), -1 if none */
	int *held;                 /* shared locks kept while running */
	int nheld;
};

/* store: NULL for ROOT itself, else a relative path below it ("ids/TAG")
 * holding the same layout (see userns.h). */
int cache_open(struct cache *c, const char *store, struct err *e);
/* A cache of the same layout at dir, without BOXCAR_CACHE_RO (to seed a
 * read-only cache: seed.h). */
int cache_open_dir(struct cache *c, const char *dir, struct err *e);
/* The stores below ROOT ("ids/TAG"), at most max; ROOT itself not included. */
#define CACHE_STORE_MAX 192
int cache_stores(char (*names)[CACHE_STORE_MAX], int max);
void cache_close(struct cache *c);   /* also releases the shared locks */
/* Make sure every layer of p is available (extracting and verifying what
 * is missing), take a shared lock on each and mark it used. */
int cache_ensure(struct cache *c, const struct payload *p, const char *file, struct err *e);
/* Absolute path of a layer's directory (malloc'd): the read-only cache's
 * copy when it has one. */
char *cache_layer_path(const struct cache *c, const struct payload_layer *l);
/* Recompute a cached layer's tree digest and compare it with the record.
 * 0 if intact; -1 with e naming the layer otherwise. */
int cache_verify_layer(const struct cache *c, const char *hex, struct err *e);

/* One layer of the (writable) cache, for listing and pruning. */
struct cache_entry {
	char hex[DIGEST_HEX + 1];
	unsigned long long bytes;   /* apparent size of its files */
	time_t last_used;
};
/* Call fn for each complete layer. */
int cache_each(const struct cache *c, int (*fn)(const struct cache *, const struct cache_entry *, void *),
	       void *arg, struct err *e);
/* Remove a layer unless a container holds it. 1 removed, 0 in use, -1 error. */
int cache_remove(const struct cache *c, const char *hex, struct err *e);

/* The cache's mechanisms, for what else it holds in the same way (the
 * flat roots, flatroot.h): an entry `hex` of dirfd with its lock and
 * record named `name` in locks/ and meta/, made in tmp/NAME.<pid>. */
/* 1 if name is a directory in dirfd (an entry is present only once whole). */
int cache_has_dir(int dirfd, const char *name);
/* flock(op) on locks/<name>'s fd, EINTR retried. */
int cache_lock(const struct cache *c, int fd, int op, const char *name, struct err *e);
/* locks/<name>.build, locked exclusively: its fd, or, where !wait and
 * another launcher holds it, CACHE_BUSY. */
#define CACHE_BUSY (-2)
int cache_build_lock(const struct cache *c, const char *name, int wait, struct err *e);
/* Remove tmp/NAME.*: work on NAME that died (its build lock held). */
void cache_remove_stale(const struct cache *c, const char *name);
/* Remove dirfd/hex and meta/<name> unless locks/<name> is held; `what`
 * names it in errors. 1 removed, 0 in use, -1 error. */
int cache_retire(const struct cache *c, int dirfd, const char *hex, const char *name, const char *what,
		 struct err *e);

#endif
