/* Copying file-system entries between directories, keeping their type,
 * mode, owner and times (what a layer's extraction sets): the flat root's
 * merge where a hard link cannot cross file systems, and the seeding of a
 * flat root's writable tmpfs mounts with the image's content. */
#ifndef BOXCAR_COPY_H
#define BOXCAR_COPY_H
#include <sys/stat.h>

/* Copy the non-directory `name` of sdir (st: its lstat) to the same name in
 * ddir, which must not exist. Sockets are skipped. 0 or -1 with errno. */
int copy_entry_at(int sdir, const char *name, const struct stat *st, int ddir);
/* Give ddir's entry `name` (or ddir itself when name is "") st's owner,
 * mode and times. An owner the id map lacks (EINVAL) is left as is. */
int copy_meta_at(int ddir, const char *name, const struct stat *st);
/* The directory `name` in sdir and in ddir (no symlink followed), into
 * fds[0] and fds[1]: 0, or -1 with errno and nothing left open. */
int dir_pair_open(int sdir, int ddir, const char *name, int fds[2]);
/* Close both, keeping errno (for the caller's error). */
void dir_pair_close(const int fds[2]);
/* Copy everything inside sdir into ddir (recursively; hard links become
 * separate copies). 0 or -1 with errno. */
int copy_tree_at(int sdir, int ddir);

#endif
