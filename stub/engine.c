/* How the container runs on this host: the engine (namespaces, or the trace
 * engine where they are denied) and the root mode (overlayfs, or the flat
 * root where it is refused), with auto's fallbacks between them and the
 * remembered overlay refusal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "../runner/trace.h"
#include "engine.h"
#include "flatroot.h"
#include "launch.h"

/* STORE/overlay-refused: "BOOT_ID WHY" once overlayfs was refused, so that
 * auto's later launches go to the flat root at once, until the next boot
 * (a kernel or a policy changes with one). */
#define REFUSED "overlay-refused"

/* This boot's id, or NULL. */
static char *boot_id(void)
{
	char *id = read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 64, NULL);
	if (id)
		id[strcspn(id, "\n")] = 0;
	return id;
}

static int overlay_refused(const struct cache *c, char *why, size_t n)
{
	char *path = path_join(c->root, REFUSED), *rec = path ? read_file_at(AT_FDCWD, path, 512, NULL) : NULL;
	char *boot = rec ? boot_id() : NULL;   /* (no record, the common case: one failed open) */
	size_t k = boot ? strlen(boot) : 0;
	int hit = k && !strncmp(rec, boot, k) && rec[k] == ' ';
	if (hit)
		snprintf(why, n, "%s", rec + k + 1);
	free(boot), free(path), free(rec);
	return hit;
}

static void remember_refusal(const struct cache *c, const char *why)
{
	char *boot = boot_id(), *path = path_join(c->root, REFUSED), tmp[4200];
	if (boot && path && snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid()) < (int)sizeof tmp) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		/* (a hint only: failing to keep it costs one more attempt) */
		if (fd >= 0 && dprintf(fd, "%s %s", boot, why) > 0 && close(fd) == 0)
			rename(tmp, path);
		else if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(boot), free(path);
}

/* What the trace engine cannot give (no namespaces): refused, one line each. */
int engine_refuses(const struct run_opts *o, int keep, struct err *e)
{
	if (!trace_supported())
		return err_set(e, EXIT_SETUP, "the trace engine is not built for this architecture yet");
	if (o->name || keep)
		return err_set(e, EXIT_SETUP, "--boxcar-engine=trace runs on the flat root, which keeps no writable "
			       "layer: a named container needs namespaces (--boxcar-engine=ns)");
	if (o->nports)
		return err_set(e, EXIT_SETUP, "--boxcar-publish needs a network namespace, which the trace engine "
			       "does not make: the app listens on the host's network as it is");
	if (o->net == RUNNER_NET_NONE || o->net == RUNNER_NET_PRIVATE)
		return err_set(e, EXIT_SETUP, "--boxcar-net other than host needs a network namespace, which the "
			       "trace engine does not make");
	if (o->gpu)
		return err_set(e, EXIT_SETUP, "--boxcar-gpu binds the driver into a mount namespace, which the trace "
			       "engine does not make (--boxcar-engine=ns)");
	if (o->root == ROOT_OVERLAY)
		return err_set(e, EXIT_SETUP, "--boxcar-engine=trace runs on the flat root, not overlayfs "
			       "(--boxcar-root=flat or auto)");
	return 0;
}

/* The trace engine on the flat root; why: the namespace engine's failure
 * that brought auto here ("" when asked for). */
static int launch_trace(const struct payload *p, struct cache *c, const struct run_opts *o,
			const struct userns *u, const char *why, struct err *e)
{
	struct run_opts t = *o;
	char *tree = NULL;
	t.engine = ENGINE_TRACE;
	if (*why)
		log_info("note: %s; running with the trace engine instead (--boxcar-engine=trace): no namespaces, "
			 "the app traced with ptrace on the flat root, without PID or network isolation", why);
	if (flat_ensure(c, p, &tree, e) < 0)
		return -1;
	int rc = launch(p, c, &t, u, NULL, tree, e);
	free(tree);
	return rc;
}

/* auto, and the namespace engine failed before the app ran because a user
 * namespace or mounting in one is denied here: the trace engine can. */
int engine_fallback(const struct run_opts *o, const char *keep, int rc, struct err *e, char *why, size_t n)
{
	struct err ignored = { 0 };
	if (o->engine != ENGINE_AUTO || !rc || !e->code || e->kind != ERR_NAMESPACE ||
	    engine_refuses(o, keep != NULL, &ignored) < 0)
		return 0;
	snprintf(why, n, "%s", e->msg);
	*e = (struct err){ 0 };
	return 1;
}

/* The container on the root mode asked for. auto: overlay, and where the
 * kernel refuses overlayfs (before the app ran), the flat root, saying
 * so; a named container needs its writable layer, so it has no fallback. */
int engine_launch(const struct payload *p, struct cache *c, const struct run_opts *o,
		       const struct userns *u, const char *keep, const char *denied, struct err *e)
{
	char *tree = NULL, why[256] = "", nswhy[sizeof e->msg];
	if (o->engine == ENGINE_TRACE)
		return engine_refuses(o, keep != NULL, e) < 0 ? -1 : launch_trace(p, c, o, u, "", e);
	if (denied)   /* (auto: the subordinate ids' namespace was already refused) */
		return launch_trace(p, c, o, u, denied, e);
	if (o->root == ROOT_FLAT && keep)
		return err_set(e, EXIT_SETUP, "this container keeps its writable layer, and a flat root has none: "
			       "run it with --boxcar-root=overlay");
	int flat = o->root == ROOT_FLAT || (o->root == ROOT_AUTO && !keep && overlay_refused(c, why, sizeof why));
	if (!flat) {
		int rc = launch(p, c, o, u, keep, NULL, e);
		if (engine_fallback(o, keep, rc, e, nswhy, sizeof nswhy))
			return launch_trace(p, c, o, u, nswhy, e);
		if (o->root == ROOT_OVERLAY && rc >= 0 && !e->code) {   /* asked for, and it mounted */
			char *path = path_join(c->root, REFUSED);
			if (path)
				unlink(path);
			free(path);
		}
		if (o->root != ROOT_AUTO || keep || rc < 0 || !e->code || e->kind != ERR_UNSUPPORTED)
			return rc;
		snprintf(why, sizeof why, "%s", e->sys ? strerror(e->sys) : "refused");
		/* (what a kernel or a policy says, not a passing shortage) */
		if (e->sys == EPERM || e->sys == EACCES || e->sys == EINVAL || e->sys == ENODEV)
			remember_refusal(c, why);
		*e = (struct err){ 0 };
	}
	if (*why)
		log_info("note: overlayfs cannot be mounted here (%s); running on a flat, read-only root "
			 "(--boxcar-root=flat): writes outside /tmp, /run, /var/tmp and volumes fail", why);
	if (flat_ensure(c, p, &tree, e) < 0)
		return -1;
	int rc = launch(p, c, o, u, keep, tree, e);
	free(tree);
	if (engine_fallback(o, keep, rc, e, nswhy, sizeof nswhy))
		return launch_trace(p, c, o, u, nswhy, e);
	return rc;
}
