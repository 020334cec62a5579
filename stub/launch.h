/* Turn an image config, the command line and the cache into a runner
 * spec, then run it. */
#ifndef BOXCAR_LAUNCH_H
#define BOXCAR_LAUNCH_H
#include "../common/payload.h"
#include "cache.h"
#include "options.h"
#include "userns.h"

/* PATH when the image sets none (Docker's). */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* keep: the directory that keeps the writable layer (a named
 * container's), or NULL to discard it. flat: the image's merged tree
 * (flatroot.h) to run on, read-only, or NULL for the overlay of its
 * layers. Returns the container's exit status, or -1 with e set. */
int launch(const struct payload *p, const struct cache *c, const struct run_opts *o,
	   const struct userns *u, const char *keep, const char *flat, struct err *e);

/* The command a launch of p runs: the image's Entrypoint and Cmd with
 * docker's rules for o's --boxcar-entrypoint and arguments. A malloc'd
 * array (free it, not its strings, which live in p and o), or NULL with e. */
char **launch_command(const struct payload *p, const struct run_opts *o, struct err *e);

#endif
