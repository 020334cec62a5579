#include "doctor.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/netfs.h"
#include "../common/xio.h"
#include "../runner/cgroup.h"
#include "../runner/probe.h"
#include "../runner/trace.h"
#include "cache.h"
#include "seed.h"
#include "userns.h"

static int fails;

static void line(const char *status, const char *what, const char *detail)
{
	printf("%-4s  %-28s %s\n", status, what, detail);
	if (!strcmp(status, "FAIL"))
		fails++;
}

/* First line of a small /proc or /sys file, or NULL. */
static char *first_line(const char *path)
{
	char *s = read_file_at(AT_FDCWD, path, 4096, NULL);
	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

static int enter_subids(void *ids, struct err *e)
{
	return subids_enter(ids, e);
}

/* Do /etc/sub{u,g}id give this user ranges, and does newuidmap map them?
 * Tried for real, in a child, when a user namespace can be made at all. */
static void check_subids(int userns_ok)
{
	struct userns u;
	struct err e = { 0 };
	char msg[sizeof e.msg] = "";
	if (userns_choose(USERNS_AUTO, &u, &e) < 0 || u.mode != USERNS_SUBIDS) {
		if (u.mode == USERNS_HOST)
			return line("OK", "subordinate ids", "not needed: running as root");
		if (e.code)
			return line("WARN", "subordinate ids", e.msg);
		snprintf(msg, sizeof msg, "%s: one id is mapped; images that switch users (postgres, gosu, su) "
			 "need them: %s", u.why, u.fix);
		return line("WARN", "subordinate ids", msg);
	}
	if (!userns_ok)
		return line("FAIL", "subordinate ids", "not tried: no user namespace can be made (see above)");
	if (child_run(enter_subids, &u.ids, 0, "newuidmap/newgidmap", &e) < 0)
		return line("FAIL", "subordinate ids", e.msg);
	snprintf(msg, sizeof msg, "%u uids and %u gids mapped with newuidmap/newgidmap; image files keep their owners",
		 (unsigned)u.ids.uids, (unsigned)u.ids.gids);
	line("OK", "subordinate ids", msg);
}

/* cgroup v2 and whether this process's cgroup is ours to subdivide
 * (--boxcar-memory/-cpus/-pids-limit need that). */
static void check_cgroups(void)
{
	char dir[4096], msg[4300];
	struct err e = { 0 };
	if (cgroup_own(dir, sizeof dir, &e) < 0)
		return line("WARN", "cgroups", e.msg);
	int mine = access(dir, W_OK) == 0;
	snprintf(msg, sizeof msg, mine ? "v2, %s is delegated to you: limits work"
		 : "v2, but %s is not delegated to you: for limits run under "
		   "`systemd-run --user --scope -p Delegate=yes`", dir);
	line(mine ? "OK" : "WARN", "cgroups", msg);
}

/* What the namespace and mount probes found, for the summary. */
struct verdict {
	int userns_ok, mount_ok, overlay_ok, tried;   /* tried: the mount probes ran */
	struct diagnosis d;                           /* the first failure's */
};

/* User namespaces, tried for real; the limit is shown only when they
 * work (a limit that reads "OK" next to ENOSPC misleads: it may be a
 * parent namespace's that ran out). */
static void check_userns(struct verdict *v)
{
	struct err e = { 0 };
	char msg[256];
	if (probe_userns(&v->d, &e) < 0)
		return line("FAIL", "unprivileged user namespaces", e.msg);
	v->userns_ok = 1;
	char *max = first_line("/proc/sys/user/max_user_namespaces");
	snprintf(msg, sizeof msg, "work (user.max_user_namespaces = %s)", max ? max : "?");
	free(max);
	line("OK", "unprivileged user namespaces", msg);
}

/* Mounts, then overlayfs, in a user namespace, on a scratch dir in the
 * cache; not tried when no namespace can be made (the cause is above). */
static void check_mounts(const char *scratch, struct verdict *v)
{
	struct err e = { 0 };
	if (!v->userns_ok) {
		line("FAIL", "overlayfs in user namespaces", "not tried: no user namespace can be made (see above)");
		return;
	}
	v->tried = 1;
	if (probe_overlay(scratch, &v->d, &e) == 0) {
		v->mount_ok = v->overlay_ok = 1;
		line("OK", "mounts in user namespaces", "work");
		return line("OK", "overlayfs in user namespaces", "works");
	}
	v->mount_ok = v->d.step == DIAG_OVERLAY;
	line(v->mount_ok ? "OK" : "FAIL", "mounts in user namespaces", v->mount_ok ? "work" : e.msg);
	if (!v->mount_ok)
		return line("FAIL", "overlayfs in user namespaces", "not tried: mounting is denied (see above)");
	/* (files still run: on the flat root, read-only) */
	char msg[sizeof e.msg + 96];
	snprintf(msg, sizeof msg, "%s; files run on a flat, read-only root instead (--boxcar-root=flat)", e.msg);
	line("WARN", "overlayfs in user namespaces", msg);
}

/* The summary, last, in a stable form: the root mode and the engine that
 * this host gets. A flat root (a merged tree bound read-only) needs no
 * overlayfs, but still a user and mount namespace; without them, the trace
 * engine (runner/trace.h) runs files on the flat root with no namespace. */
static void summary(const struct verdict *v)
{
	char why[sizeof v->d.why + sizeof v->d.fix + 64];
	diag_message(&v->d, why, sizeof why);
	if (v->overlay_ok)
		printf("root mode: overlay\n");
	else if (v->mount_ok)
		printf("root mode: flat (overlayfs cannot be mounted here: %s)\n", v->d.why);
	else if ((v->tried || !v->userns_ok) && trace_supported())
		printf("root mode: flat, under the trace engine (no user and mount namespace here)\n");
	else if (v->tried || !v->userns_ok)
		printf("root mode: none (it needs a user and mount namespace)\n");
	else
		printf("root mode: unknown (not probed: the cache cannot be used)\n");
	if (v->mount_ok || (v->userns_ok && !v->tried))
		printf("engine: ns (namespaces)\n");
	else if (trace_supported())
		printf("engine: trace (ptrace path translation, no PID or network isolation), as namespaces "
		       "cannot be used: %s\n", why);
	else
		printf("engine: none available yet: %s; until then boxcar files cannot run here\n", why);
}

/* Where the cache is and what that costs: on a network file system every
 * node reads it over the network (cache.h says so at each launch too). */
static void cache_line(const struct cache *c)
{
	enum cache_origin origin;
	const char *from, *net = netfs_name(c->layers);
	char msg[PATH_MAX + 512];
	free(cache_root_choose(&origin, &from));
	if (net)
		snprintf(msg, sizeof msg, "%s is on %s, a network file system: every node reads it over the network; "
			 "point BOXCAR_CACHE at node-local storage (in a Slurm job boxcar uses $SLURM_TMPDIR by itself)",
			 c->root, net);
	else
		snprintf(msg, sizeof msg, "%s%s%s%s", c->root, origin == CACHE_NODE_LOCAL ? " (node-local: $" : "",
			 origin == CACHE_NODE_LOCAL ? from : "", origin == CACHE_NODE_LOCAL ? ")" : "");
	line(net ? "WARN" : "OK", "cache", msg);
}

/* BOXCAR_CACHE_RO, when set: readable, laid out as a cache, and (for a
 * packed file) which of its layers it holds (seed.h). */
static void check_ro(const char *ro, const struct payload *p)
{
	struct ro_report r;
	struct userns u;
	struct err e = { 0 };
	ro_check(ro, p, &r);
	if (r.ok > 0 && userns_choose(USERNS_AUTO, &u, &e) == 0 && u.mode == USERNS_SUBIDS) {
		size_t n = strlen(r.msg);
		snprintf(r.msg + n, sizeof r.msg - n, "; used with one mapped id only (--boxcar-userns=root or "
			 "keep-id): under your subordinate ids files extract into BOXCAR_CACHE");
		r.ok = 0;
	}
	line(r.ok > 0 ? "OK" : r.ok == 0 ? "WARN" : "FAIL", "read-only cache", r.msg);
}

/* The cache, opened as a launch opens it; the read-only one is checked on
 * its own line (a launch refuses a broken one). */
static void check_cache(const struct payload *p, struct verdict *v)
{
	struct err e = { 0 };
	struct cache c;
	char *ro = getenv("BOXCAR_CACHE_RO") ? strdup(getenv("BOXCAR_CACHE_RO")) : NULL;
	enum log_level saved = log_level;
	unsetenv("BOXCAR_CACHE_RO");
	log_level = LOG_QUIET;   /* (its warning is cache_line's) */
	int rc = cache_open(&c, NULL, &e);
	log_level = saved;
	if (rc < 0) {
		line("FAIL", "cache", e.msg);
	} else {
		char *run = path_join(c.root, "run");
		cache_line(&c);
		if (run)
			check_mounts(run, v);
		free(run);
	}
	cache_close(&c);
	if (ro && *ro) {
		check_ro(ro, p);
		setenv("BOXCAR_CACHE_RO", ro, 1);
	}
	free(ro);
}

int doctor(enum doctor_who who, const struct payload *p)
{
	struct verdict v = { 0 };
	fails = 0;
	check_userns(&v);
	check_cache(p, &v);
	char *status = read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, NULL);
	if (status && strstr(status, "Seccomp:"))
		line("OK", "seccomp", "supported (the default filter is applied)");
	else
		line("WARN", "seccomp", "not supported by this kernel: run files with "
		     "--boxcar-security-opt=seccomp=unconfined");
	free(status);
	check_subids(v.userns_ok);
	check_cgroups();
	if (who == DOCTOR_TOOL && v.d.cause == CAUSE_APPARMOR)
		printf("note: that AppArmor profile names boxcar itself; each packed file needs its own: "
		       "`FILE --boxcar-doctor` prints it\n");
	summary(&v);
	return fails ? 1 : 0;
}
