#include "doctor.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/xio.h"
#include "../runner/probe.h"
#include "cache.h"

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
	if (v && strcmp(v, "0") != 0)
		line("WARN", "apparmor userns restriction", "kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu): "
		     "an admin can run `sysctl kernel.apparmor_restrict_unprivileged_userns=0` or give "
		     "this file an AppArmor profile with the `userns,` rule");
	free(v);
	v = first_line("/proc/sys/user/max_user_namespaces");
	if (v && atol(v) == 0)
		line("FAIL", "max_user_namespaces", "is 0: an admin must set `sysctl user.max_user_namespaces=15000`");
	else if (v)
		line("OK", "max_user_namespaces", v);
	free(v);
}

/* Does /etc/sub{u,g}id give this user a range, and is newuidmap there? */
static void check_subids(void)
{
	char *text = read_file_at(AT_FDCWD, "/etc/subuid", 1 << 20, NULL);
	char name[64] = "", uid[32];
	const char *u = getenv("USER");
	snprintf(uid, sizeof uid, "%u:", (unsigned)geteuid());
	if (u)
		snprintf(name, sizeof name, "\n%s:", u);
	int has = text && (strstr(text, uid) == text || (u && (strstr(text, name) ||
		  !strncmp(text, name + 1, strlen(name + 1)))));
	free(text);
	int tools = access("/usr/bin/newuidmap", X_OK) == 0 && access("/usr/bin/newgidmap", X_OK) == 0;
	line(has && tools ? "OK" : "WARN", "subordinate ids",
	     has && tools ? "a range in /etc/subuid and newuidmap are there (not used yet: one id is mapped)"
			  : "no range or no newuidmap: images that switch users at run time need "
			    "`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER` and uidmap");
}

static void check_cgroups(void)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		line("OK", "cgroups", "v2 (unified)");
	else if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
		line("WARN", "cgroups", "hybrid v1/v2: resource limits are not available");
	else
		line("WARN", "cgroups", "v1 only: resource limits are not available");
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
	if (cache_open(&c, &e) < 0) {
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
