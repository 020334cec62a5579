/* File-system helpers. Paths beneath a root (names from an image, mount
 * targets) are walked by beneath.h, included here. */
#ifndef BOXCAR_FSUTIL_H
#define BOXCAR_FSUTIL_H
#include <dirent.h>
#include <sys/types.h>
#include "beneath.h"
#include "err.h"

/* Remove `name` under dirfd and everything below it (making directories
 * writable as needed). Missing is not an error. 0 or -1 with errno. */
int rmtree_at(int dirfd, const char *name);
/* A new fd for the directory dirfd, with its own read position: for
 * fdopendir (a dup() would share the position with every other reader of
 * dirfd, even in other processes, and start where the last one stopped). */
int dir_dup(int dirfd);
/* A directory stream of its own over dirfd (dir_dup + fdopendir), for
 * readdir; NULL with errno set. */
DIR *dir_stream(int dirfd);
/* Remove every entry inside the directory dirfd (not the directory). */
int empty_dir(int dirfd);
/* An overlay whiteout as the cache stores it (stub/layer.c): a character
 * device 0/0, or, where a user namespace may not make one (Linux < 5.8),
 * an empty regular file with the xattr user.overlay.whiteout. st is the
 * lstat of name in dirfd. 1 or 0. */
struct stat;
int is_whiteout_at(int dirfd, const char *name, const struct stat *st);
/* mkdir -p with `mode` for created components. 0 or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);
/* Change into a directory (path, or dirfd when path is NULL) for code
 * that works relative to the cwd (libarchive). Returns the previous cwd as
 * an fd for cwd_leave, or -1 with errno set. */
int cwd_enter(const char *path, int dirfd);
/* Go back to the saved cwd and close it. 0, or -1 with errno set. */
int cwd_leave(int saved);
/* Open (creating, mode 0700) a directory that must be private: owned by
 * us and not writable by group or others, else -1 with errno EPERM and st
 * filled (on a shared host, others could plant files there). No symlink
 * is followed. */
struct stat;
int private_dir_open(int dirfd, const char *name, struct stat *st);
/* Where the cache's ROOT came from (cache_root_choose). */
enum cache_origin {
	CACHE_SET,          /* $BOXCAR_CACHE: the user chose it */
	CACHE_NODE_LOCAL,   /* under Slurm: $SLURM_TMPDIR or $TMPDIR, /boxcar-UID */
	CACHE_HOME,         /* $XDG_CACHE_HOME/boxcar or ~/.cache/boxcar */
};
/* The cache's ROOT (stub/cache.h; also the registry's blob cache):
 * $BOXCAR_CACHE; else, in a Slurm job, node-local storage: $SLURM_TMPDIR
 * (set by Slurm sites for exactly this), else $TMPDIR when $SLURM_JOB_ID
 * is set (outside a job $TMPDIR is a laptop's /tmp, emptied at reboot),
 * each only when it is an existing absolute directory, with /boxcar-UID
 * appended (a shared $TMPDIR holds many users'); else
 * $XDG_CACHE_HOME/boxcar, else ~/.cache/boxcar. malloc'd, NULL when none
 * is set; *origin (may be NULL) says which; *from (may be NULL) names the
 * variable the node-local choice came from. */
char *cache_root_choose(enum cache_origin *origin, const char **from);
/* cache_root_choose without the origin. */
char *cache_root_path(void);
/* Join a and b with one '/', malloc'd (aborts on OOM are not used: NULL). */
char *path_join(const char *a, const char *b);

#endif
