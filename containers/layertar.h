/* Write one layer in the OCI layer format (a tar): entries from files
 * (their lstat, their bytes), hard links kept as links, whiteouts as
 * ".wh.NAME" and opaque directories as ".wh..wh..opq". `boxcar commit`
 * writes a container's changes with it, `boxcar build` its steps. */
#ifndef BOXCAR_LAYERTAR_H
#define BOXCAR_LAYERTAR_H
#include <stddef.h>
#include <sys/stat.h>
#include "../common/err.h"

struct layertar;

/* owners: keep st's uid/gid (else every entry is 0:0); clamp >= 0: no
 * mtime later than clamp (SOURCE_DATE_EPOCH), and no sub-second times. */
struct layertar *layertar_open(const char *file, int owners, long long clamp, struct err *e);
/* rel: the name in the tar ("a/b", no leading '/'); dirfd/name: where the
 * file is read (a regular file's bytes, a symlink's target); st: what the
 * entry says (a caller may change its owner or mode first). */
int layertar_put(struct layertar *t, const char *rel, int dirfd, const char *name,
		 const struct stat *st);
/* A regular file with these bytes (a heredoc). */
int layertar_put_bytes(struct layertar *t, const char *rel, const void *data, size_t n,
		       const struct stat *st);
/* A whiteout of dir/name (dir "" for the top), or with name ".wh..opq"
 * dir's opaque marker. */
int layertar_marker(struct layertar *t, const char *dir, const char *name, const struct stat *st);
/* ADD's local archives: each entry of the tar (any compression) at fd,
 * placed under prefix ("app/x", "" for the top), ".." and absolute names
 * kept inside it. 1 when fd was not an archive (nothing written), 0, -1. */
int layertar_put_archive(struct layertar *t, int fd, const char *prefix, struct err *e);
/* Finish the archive (0, or -1 with e set) and free t; *entries: how many. */
int layertar_close(struct layertar *t, int *entries, struct err *e);
/* Free t after a failure (the file is left for the caller to remove). */
void layertar_abort(struct layertar *t);

/* A writable layer (an overlay upper dir) as a layer: every change, a
 * deletion as a whiteout, a directory that hides the lower layers as opaque.
 * skip (may be NULL) returns 1 for a path ("/a/b") to leave out with what
 * is below it. */
int layertar_changes(int upper, const char *file, int owners, long long clamp,
		     int (*skip)(const char *path, void *arg), void *arg, int *entries, struct err *e);

#endif
