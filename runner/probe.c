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
#include <sys/wait.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/xio.h"
#include "idmap.h"

/* Run fn in a child in new user (+mount) namespaces with our ids mapped
 * to root; its error comes back over a pipe (common/child.h). */
static int in_userns(int (*fn)(const char *), const char *arg, const char *what, struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, EXIT_SETUP, "pipe");
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		struct err ce = { 0 }, mapped = { 0 };
		close(p[0]);
		if (idmap_single(0, 0, 0, uid, gid, &mapped) < 0 || (fn && fn(arg) < 0)) {
			err_sys(&ce, EXIT_SETUP, "%s", what);   /* (what failed, and its errno) */
			child_fail(p[1], &ce);
		}
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return err_sys(e, EXIT_SETUP, "%s: cannot create a user namespace", what);
	}
	int status = child_wait(pid);
	int sent = child_error(p[0], e);
	close(p[0]);
	if (sent)
		return -1;
	return status == 0 ? 0 : err_set(e, EXIT_SETUP, "%s: the probe failed (exit status %d)", what, status);
}

int probe_userns(struct err *e)
{
	return in_userns(NULL, NULL, "user namespace with an id map", e);
}

static int try_overlay(const char *scratch)
{
	char lower[4096], upper[4096], work[4096], merged[4096], opts[16384];
	snprintf(lower, sizeof lower, "%s/l", scratch);
	snprintf(upper, sizeof upper, "%s/u", scratch);
	snprintf(work, sizeof work, "%s/w", scratch);
	snprintf(merged, sizeof merged, "%s/m", scratch);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", scratch, "tmpfs", 0, "mode=0700") < 0)
		return -1;
	if (mkdir(lower, 0700) < 0 || mkdir(upper, 0700) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0700) < 0)
		return -1;
	snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lower, upper, work);
	return mount("overlay", merged, "overlay", 0, opts);
}

int probe_overlay(const char *scratch, struct err *e)
{
	return in_userns(try_overlay, scratch, "overlayfs in a user namespace", e);
}
