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

enum layer_mode { LAYER_OVERLAY, LAYER_DELETE, LAYER_CONTENT };

/* rootfd: the target directory. The process's cwd is changed to it while
 * libarchive writes (its secure mode works relative to the cwd). */
int layer_apply(struct archive *a, int rootfd, enum layer_mode mode, struct err *e);

#endif
