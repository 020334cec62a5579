#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/fsutil.h"
#include "../common/xio.h"
#include "../runner/cgroup.h"
#include "../runner/probe.h"
#include "cache.h"
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

static void check_sysctls(void)
{
	char *v = first_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	if (v && strcmp(v, "0") != 0) {
		/* the ready profile names this very file */
		char self[1024], msg[3072];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		self[n > 0 ? n : 0] = 0;
		snprintf(msg, sizeof msg, "kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu): an admin can run "
			 "`sysctl kernel.apparmor_restrict_unprivileged_userns=0`, or allow this file alone: "
			 "`printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile boxcar %s flags=(unconfined) "
			 "{\\n  userns,\\n}\\n' | sudo tee /etc/apparmor.d/boxcar && sudo apparmor_parser -r "
			 "/etc/apparmor.d/boxcar`", n > 0 ? self : "/path/to/FILE");
		line("WARN", "apparmor userns restriction", msg);
	}
	free(v);
	v = first_line("/proc/sys/user/max_user_namespaces");
	if (v && atol(v) == 0)
		line("FAIL", "max_user_namespaces", "is 0: an admin must set `sysctl user.max_user_namespaces=15000`");
	else if (v)
		line("OK", "max_user_namespaces", v);
	free(v);
}

static int enter_subids(void *ids, struct err *e)
{
	return subids_enter(ids, e);
}

/* Do /etc/sub{u,g}id give this user ranges, and does newuidmap map them?
 * Tried for real, in a child. */
static void check_subids(void)
{
	struct userns u;
	struct err e = { 0 };
	char msg[sizeof e.msg] = "";
	if (userns_choose(USERNS_AUTO, &u, &e) < 0 || u.mode != USERNS_SUBIDS) {
		if (u.mode == USERNS_HOST)
			return line("OK", "subordinate ids", "not needed: running as root");
		snprintf(msg, sizeof msg, "%s: one id is mapped; images that switch users (postgres, gosu, su) need "
			 "`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER` and the uidmap package",
			 e.code ? e.msg : u.why);
		return line("WARN", "subordinate ids", msg);
	}
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

int doctor(void)
{
	struct err e = { 0 };
	struct cache c;
	fails = 0;
	check_sysctls();
	if (probe_userns(&e) < 0)
		line("FAIL", "unprivileged user namespaces", e.msg);
	else
		line("OK", "unprivileged user namespaces", "work");
	e = (struct err){ 0 };
	if (cache_open(&c, NULL, &e) < 0) {
		line("FAIL", "cache", e.msg);
	} else {
		char *run = path_join(c.root, "run");
		line("OK", "cache", c.root);
		e = (struct err){ 0 };
		if (run && probe_overlay(run, &e) < 0) {
			err_ctx(&e, "needs Linux >= 5.11 with overlayfs");
			line("FAIL", "overlayfs in user namespaces", e.msg);
		} else
			line("OK", "overlayfs in user namespaces", "works");
		free(run);
	}
	cache_close(&c);
	char *status = read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, NULL);
	if (status && strstr(status, "Seccomp:"))
		line("OK", "seccomp", "supported (the default filter is applied)");
	else
		line("WARN", "seccomp", "not supported by this kernel: run files with "
		     "--boxcar-security-opt=seccomp=unconfined");
	free(status);
	check_subids();
	check_cgroups();
	return fails ? 1 : 0;
}
