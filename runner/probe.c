#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/fallback.h"
#include "../common/xio.h"
#include "idmap.h"

/* What a probe's child sends back when a step fails: the cause is decided
 * by the parent, in the namespace where the failure matters (the limits of
 * the namespace that could not make a child are the parent's). */
struct failed {
	int step, sys;
};

static void child_failed(int fd, int step)
{
	struct failed f = { step, errno };
	write_full(fd, &f, sizeof f);
	_exit(1);
}

/* Run fn in a child in new user (+mount) namespaces with our ids mapped
 * to root; fn returns -1 with errno set and *step the step that failed. */
static int in_userns(int (*fn)(const char *, int *), const char *arg, const char *what,
		     struct diagnosis *d, struct err *e)
{
	int p[2];
	struct failed f = { DIAG_USERNS, 0 };
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, EXIT_SETUP, "pipe");
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		struct err mapped = { 0 };
		int step = DIAG_USERNS;
		close(p[0]);
		if (idmap_single(0, 0, 0, uid, gid, &mapped) < 0)
			errno = mapped.sys, child_failed(p[1], DIAG_USERNS);
		if (fn && fn(arg, &step) < 0)
			child_failed(p[1], step);
		_exit(0);
	}
	f.sys = errno;
	close(p[1]);
	int status = pid < 0 ? -1 : child_wait(pid);
	int sent = pid > 0 && read(p[0], &f, sizeof f) == (ssize_t)sizeof f;
	close(p[0]);
	if (pid > 0 && !sent && status == 0)
		return 0;
	if (pid > 0 && !sent) {   /* (it died before it could say: no cause to trace) */
		*d = (struct diagnosis){ .cause = CAUSE_UNKNOWN };
		snprintf(d->why, sizeof d->why, "the probe died (exit status %d)", status);
		return err_set(e, EXIT_SETUP, "%s: %s", what, d->why);
	}
	char msg[sizeof e->msg];
	diagnose((enum diag_step)f.step, f.sys, d);
	diag_message(d, msg, sizeof msg);
	return err_set(e, EXIT_SETUP, "%s", msg);
}

int probe_userns(struct diagnosis *d, struct err *e)
{
	return in_userns(NULL, NULL, "user namespace with an id map", d, e);
}

static int try_overlay(const char *scratch, int *step)
{
	char lower[4096], upper[4096], work[4096], merged[4096], opts[16384];
	snprintf(lower, sizeof lower, "%s/l", scratch);
	snprintf(upper, sizeof upper, "%s/u", scratch);
	snprintf(work, sizeof work, "%s/w", scratch);
	snprintf(merged, sizeof merged, "%s/m", scratch);
	*step = DIAG_MOUNT;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", scratch, "tmpfs", 0, "mode=0700") < 0)
		return -1;
	if (mkdir(lower, 0700) < 0 || mkdir(upper, 0700) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0700) < 0)
		return -1;
	*step = DIAG_OVERLAY;
	snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lower, upper, work);
	if (fallback_forced("deny-overlay"))   /* (as the launch sees it, for tests) */
		return errno = EPERM, -1;
	return mount("overlay", merged, "overlay", 0, opts);
}

int probe_overlay(const char *scratch, struct diagnosis *d, struct err *e)
{
	return in_userns(try_overlay, scratch, "overlayfs in a user namespace", d, e);
}
