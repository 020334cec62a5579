/* Can this host run containers rootless? Each probe tries the real thing
 * in a short-lived child and returns 0 when it works, or -1 with d saying
 * which step failed, its cause and fix (diagnose.h), and e the one line
 * that says so. Used by `boxcar doctor`. */
#ifndef BOXCAR_PROBE_H
#define BOXCAR_PROBE_H
#include "../common/err.h"
#include "diagnose.h"

/* A user namespace with our id mapped to root in it. */
int probe_userns(struct diagnosis *d, struct err *e);
/* In a user+mount namespace: a tmpfs on `scratch` (an existing empty
 * directory we own), then overlayfs on dirs in it. d->step tells which
 * failed (DIAG_MOUNT, DIAG_OVERLAY; DIAG_USERNS when no namespace). */
int probe_overlay(const char *scratch, struct diagnosis *d, struct err *e);

#endif
