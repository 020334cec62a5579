/* A build step inside the stage's image so far, in a child process: the
 * user namespace and cache store `./app` itself would use, the image's
 * layers extracted there (stub/cache.h), then RUN's command run by the
 * stub's own launch (as `boxcar run` would), or COPY's lookups in the
 * image (its /etc/passwd, what a destination is). */
#ifndef BOXCAR_SANDBOX_H
#define BOXCAR_SANDBOX_H
#include "../stub/cache.h"
#include "../stub/userns.h"
#include "store.h"

struct sandbox {
	struct userns u;
	struct cache c;
	struct payload p;       /* the image: its config, its layers' blobs (fds) */
	int *fds;
	char **lowers;          /* the cached layer dirs, topmost first */
	int *lower_fds;
	int nlowers;
	int owners;             /* files here keep the image's owners */
	char **src_lowers;      /* sandbox_call's second image (COPY --from) */
	int nsrc;
};

struct run_req {
	char *const *argv;      /* SHELL + the command, or the exec form */
	char *const *env;       /* the build args in scope (K=V), NULL-terminated */
	int net;                /* enum runner_net: host or none */
	long long clamp;        /* SOURCE_DATE_EPOCH, or -1 */
};

/* RUN: r in img, its changes written as the layer `tar`. scratch: an empty
 * private directory (the writable layer goes there, and is gone after).
 * A command that fails: -1, e says "exit status N". */
int sandbox_run(const struct store *s, const struct bimage *img, const struct run_req *r,
		const char *scratch, const char *tar, struct err *e);
/* fn(sandbox, arg) in a child, inside img's namespace with its layers
 * extracted (every file readable there); src (may be NULL): a second
 * image made ready the same way (src_lowers). */
int sandbox_call(const struct store *s, const struct bimage *img, const struct bimage *src,
		 int (*fn)(struct sandbox *sb, void *arg, struct err *e), void *arg, struct err *e);

#endif
