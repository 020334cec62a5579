/* Can this host run containers rootless? Each probe tries the real thing
 * in a short-lived child and returns 0 when it works, or -1 with e
 * saying what failed. Used by `boxcar doctor`. */
#ifndef BOXCAR_PROBE_H
#define BOXCAR_PROBE_H
#include "../common/err.h"

/* A user namespace with our id mapped to root in it. */
int probe_userns(struct err *e);
/* overlayfs mounted inside a user+mount namespace, on dirs under `scratch`
 * (an existing empty directory we own). */
int probe_overlay(const char *scratch, struct err *e);

#endif
