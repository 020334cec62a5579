/* The one path walker beneath a root directory. Every path that comes from
 * an image, or that boxcar creates or mounts on inside one, is opened here,
 * under one of two rules:
 *
 *   strict   names inside a layer (extraction, whiteouts, opaque markers,
 *            diff, passwd/group lookup): relative, no "..", and no symlink
 *            followed, ever. beneath_next and beneath_step are its two
 *            steps (a caller that keeps its own open directories, like the
 *            layer writer, walks with them); path_parent_beneath walks a
 *            whole path.
 *   in root  paths the container names (mount targets, Volumes, WorkingDir,
 *            /etc/hosts, /etc/resolv.conf, /etc/hostname): resolved as if
 *            rootfd were "/", so absolute symlinks and ".." chains stay
 *            inside, and magic links (/proc/PID/root, fd/N) are not
 *            followed: openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 *            where the kernel has it (5.6+), else a component walk that
 *            reads each symlink and follows its text itself, inside the root.
 */
#ifndef BOXCAR_BENEATH_H
#define BOXCAR_BENEATH_H
#include <limits.h>
#include "err.h"

/* The next component of *p (advanced past it) into comp: 1, or 0 at the
 * end; "." and empty components are skipped; ".." and names over NAME_MAX
 * are errors (-1, e names the whole path `all`). */
int beneath_next(const char **p, const char *all, char comp[NAME_MAX + 1], struct err *e);
/* The directory comp under dirfd, opened without following a symlink;
 * with mkdirs, created (0755) when missing. An fd, or -1 with errno. */
int beneath_step(int dirfd, const char *comp, int mkdirs);
/* Strict: open the directory holding `rel` beneath rootfd (with mkdirs,
 * creating what is missing). Returns a directory fd (caller closes) and
 * copies the last component into leafbuf (NAME_MAX+1 bytes). */
int path_parent_beneath(int rootfd, const char *rel, int mkdirs, char *leafbuf, struct err *e);

/* In root: open `path` as if rootfd were "/". An fd, or -1 with errno. */
int open_in_root(int rootfd, const char *path, int flags);
/* In root: the directory at `path`, symlinks (the last one too) followed
 * inside the root, created with its missing parents (a WorkingDir, the
 * source of a Volume). Returns an O_PATH fd, or -1 with e. */
int dir_in_root(int rootfd, const char *path, struct err *e);
/* In root: a mount target at `path`, a directory (dir) or a file, created
 * with its missing parents. A symlink at the target itself (the image's
 * own) is replaced, so the mount lands on the path the container names.
 * Returns an O_PATH fd of the target, or -1 with e. */
int target_in_root(int rootfd, const char *path, int dir, struct err *e);

#endif
