/* A named container's kept writable layer (the overlay upper dir, state.h
 * `keep`), read from inside its id map: what `boxcar diff` lists, what
 * `boxcar commit` turns into a layer, what `boxcar rm` removes.
 *
 * Overlay marks a deleted path with a whiteout (a 0/0 character device)
 * and a directory that hides the layers below with the user.overlay.opaque
 * xattr (mounted with userxattr); the walk reports both as such. */
#ifndef BOXCAR_CHANGES_H
#define BOXCAR_CHANGES_H
#include <sys/stat.h>
#include "../common/payload.h"
#include "../stub/cache.h"
#include "../stub/state.h"
#include "../stub/userns.h"

struct kept {
	struct payload p;      /* the container's file */
	struct cache c;        /* its store, layers held (shared locks) */
	char **lowers;         /* cached layer dirs, topmost first */
	int nlowers;
	int upper;             /* the upper dir, -1 if it was never made */
	int owners;            /* owners are real (subids, host); else 0:0 */
	const cJSON *volumes;  /* the image's Volumes (in p's config) */
};

/* Open r's kept layer: enter its id map (this process), make sure the
 * file's layers are cached. An error when r keeps none (unnamed). */
int kept_open(const struct state_rec *r, struct kept *k, struct err *e);
void kept_close(struct kept *k);
/* Remove r's kept layer (in a child inside its id map); 0 if it has none. */
int kept_remove(const struct state_rec *r, struct err *e);

enum change_kind { CHANGE_ENTRY, CHANGE_WHITEOUT, CHANGE_OPAQUE };
/* Each path of the upper dir, parents first, names sorted: path is
 * "/a/b"; dirfd/name locate it; st is its lstat. fn returns 0 to go on,
 * 1 to skip what is below path, -1 to stop (e set). */
typedef int (*change_fn)(const char *path, int dirfd, const char *name, const struct stat *st,
			 enum change_kind kind, void *arg);
int changes_walk(int upper, change_fn fn, void *arg, struct err *e);
/* Is `path` ("/a/b") in the image, i.e. the lowers merged? */
int changes_in_lowers(const struct kept *k, const char *path);
/* Is path one of the image's Volumes or below one? Their content is data,
 * not part of the container's changes (as Docker keeps volumes apart). */
int changes_in_volume(const struct kept *k, const char *path);

/* boxcar diff NAME: "A|C|D /path" lines, as docker container diff. */
int diff_command(int argc, char **argv);

#endif
