/* Choosing how the container runs here: engine and root mode (engine.c). */
#ifndef BOXCAR_ENGINE_H
#define BOXCAR_ENGINE_H
#include <stddef.h>
#include "../common/err.h"
#include "../common/payload.h"
#include "cache.h"
#include "options.h"
#include "userns.h"

/* Refuses (one line) what the trace engine cannot give: a named container,
 * published ports, a private network, overlayfs; or an architecture it
 * does not support yet. keep: a kept writable layer is in play. */
int engine_refuses(const struct run_opts *o, int keep, struct err *e);

/* rc and e: the namespace engine's launch. Under auto, when that failed
 * before the app ran because namespaces (or mounting in them) are denied
 * here, and the trace engine could run this, copies the cause into why,
 * clears e and returns 1; else 0. */
int engine_fallback(const struct run_opts *o, const char *keep, int rc, struct err *e, char *why, size_t n);

/* Runs the container on the engine and root mode asked for, falling back
 * as auto allows. keep: the named container's writable layer, or NULL;
 * denied: why the namespace engine was already refused, or NULL. Returns
 * the app's exit status, or -1 with e set. */
int engine_launch(const struct payload *p, struct cache *c, const struct run_opts *o, const struct userns *u,
		  const char *keep, const char *denied, struct err *e);
#endif
