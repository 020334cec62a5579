#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/fallback.h"
#include "../common/xio.h"
#include "diagnose.h"
#include "idmap.h"
#include "init.h"
#include "process.h"
#include "rootfs.h"

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS)
#define NET_FLAG(s) ((s)->net == RUNNER_NET_HOST ? 0 : CLONE_NEWNET)
#define IPC_FLAG(s) ((s)->ipc_host ? 0 : CLONE_NEWIPC)

/* The container's app. With a mirrored map it becomes the image's user
 * here; with a single-id map the map already made it that user. */
static void exec_process(const struct runner_spec *s, int mirrored, int errfd)
{
	struct runner_proc p = {
		.argv = s->argv, .envp = s->envp, .cwd = s->cwd, .switch_ids = mirrored, .set_groups = 1,
		.uid = s->uid, .gid = s->gid, .groups = s->groups, .ngroups = s->ngroups, .sec = &s->sec,
		.rlimits = s->rlimits, .nrlimits = s->nrlimits, .errfd = errfd,
	};
	runner_exec(&p);
}

/* PID 1 is a copy of the launcher: it still holds the launcher's file
 * descriptors (the cache's directories, the packed file). The app must not
 * reach them through /proc/1/fd, nor the relay's host-side sockets through
 * /proc/2/fd: close all but stdio, the ports and the fds the app is to
 * inherit, and make PID 1 (and so the relay) non-dumpable, which puts
 * /proc/PID/fd out of reach without CAP_SYS_PTRACE. */
static int kept(const struct runner_spec *s, int errfd, int fd)
{
	int keep = fd <= 2 || fd == errfd;
	for (int i = 0; !keep && i < s->nports; i++)
		keep = fd == s->ports[i].fd;
	for (int i = 0; !keep && i < s->nkeep_fds; i++)
		keep = fd == s->keep_fds[i];
	return keep;
}

static int close_listed(const struct runner_spec *s, int errfd, struct err *e)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	if (!d)
		return err_sys(e, EXIT_SETUP, "list open files");
	int self = dirfd(d);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (fd != self && de->d_name[0] != '.' && !kept(s, errfd, fd))
			close(fd);
	}
	closedir(d);
	return 0;
}

/* The lowest fd to keep at or above lo; ~0U if none. */
static unsigned next_kept(const struct runner_spec *s, int errfd, unsigned lo)
{
	unsigned next = ~0U;
	for (int i = 0; i <= s->nports + s->nkeep_fds; i++) {
		unsigned fd = (unsigned)(i < s->nports ? s->ports[i].fd
					 : i < s->nports + s->nkeep_fds ? s->keep_fds[i - s->nports] : errfd);
		if (fd >= lo && fd < next)
			next = fd;
	}
	return next;
}

/* Close every fd above stderr but those kept (the ports', the app's,
 * errfd): close_range over the gaps (Linux 5.9+), else one by one from
 * /proc/self/fd. */
int runner_close_fds(const struct runner_spec *s, int errfd, struct err *e)
{
	unsigned lo = 3;
	for (;;) {
		unsigned next = next_kept(s, errfd, lo);
		if (next > lo && (fallback_forced("no-close-range") ||
				  syscall(SYS_close_range, lo, next == ~0U ? ~0U : next - 1, 0) < 0))
			return close_listed(s, errfd, e);
		if (next == ~0U)
			return 0;
		lo = next + 1;
	}
}

static int seal(const struct runner_spec *s, int errfd, struct err *e)
{
	if (runner_close_fds(s, errfd, e) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_sys(e, EXIT_SETUP, "prctl(PR_SET_DUMPABLE)");
	return 0;
}

/* The published ports' relay: a child of PID 1, in the container's
 * namespaces, holding the host-side sockets bound before the clone. */
static int start_relay(const struct runner_spec *s, struct err *e)
{
	if (!s->nports)
		return 0;
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, EXIT_SETUP, "fork the port relay");
	if (pid == 0)
		relay_run(s->ports, s->nports);
	for (int i = 0; i < s->nports; i++)
		close(s->ports[i].fd);   /* the relay has them; the app must not */
	return 0;
}

/* PID 1: wait for the id map, build the root, start the process, supervise.
 * A failure, its own or the app's before its exec, goes to errfd. */
static int container_init(const struct runner_spec *s, int mirrored, int syncfd, int errfd)
{
	struct err e = { 0 };
	char c;
	if (read_full(syncfd, &c, 1) < 0)
		_exit(EXIT_SETUP);   /* the launcher failed and said why */
	close(syncfd);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (sethostname(s->hostname, strlen(s->hostname)) < 0)
		err_sys(&e, EXIT_SETUP, "sethostname");
	if (e.code || rootfs_setup(s, &e) < 0 ||
	    (s->net != RUNNER_NET_HOST && net_loopback_up(&e) < 0) || seal(s, errfd, &e) < 0 ||
	    start_relay(s, &e) < 0)
		child_fail(errfd, &e);
	pid_t pid = fork();
	if (pid < 0)
		child_fail(errfd, (err_sys(&e, EXIT_SETUP, "fork"), &e));
	if (pid == 0)
		exec_process(s, mirrored, errfd);
	return init_supervise(pid, 1, s->stop_signal);
}

/* The launcher's side: map the ids, put the child in its cgroup, let it go. */
static int start_child(const struct runner_spec *s, pid_t pid, const char *cg, int syncfd, struct err *e)
{
	if (idmap_write(pid, s->uid, s->gid, e) < 0 || (*cg && cgroup_enter(cg, pid, e) < 0))
		return -1;
	if (write_full(syncfd, "x", 1) < 0)
		return err_sys(e, EXIT_SETUP, "start container");
	return 0;
}

int runner_run(const struct runner_spec *s, struct err *e)
{
	sigset_t set, oldmask;
	int sync[2], errp[2], mirrored = geteuid() == 0;   /* see idmap_write */
	char cg[4096] = "";
	if (relay_bind(s->ports, s->nports, e) < 0)
		return -1;
	if (cgroup_wanted(&s->limits) && cgroup_create(&s->limits, cg, sizeof cg, e) < 0) {
		relay_close(s->ports, s->nports);
		return -1;
	}
	init_signal_set(&set);
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {   /* (read once the container is gone) */
		cgroup_destroy(cg);
		relay_close(s->ports, s->nports);
		return err_sys(e, EXIT_SETUP, "pipe");
	}
	fflush(NULL);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	/* clone without a new stack behaves like fork, in new namespaces */
	pid_t pid = (pid_t)syscall(SYS_clone, NS_FLAGS | NET_FLAG(s) | IPC_FLAG(s) | SIGCHLD, 0, 0, 0, 0);
	int clone_errno = errno;
	if (pid == 0) {
		close(sync[1]);
		close(errp[0]);
		_exit(container_init(s, mirrored, sync[0], errp[1]));
	}
	close(sync[0]);
	close(errp[1]);
	relay_close(s->ports, s->nports);   /* the child holds the listening sockets now */
	int code = -1, ok = pid > 0 && start_child(s, pid, cg, sync[1], e) == 0;
	close(sync[1]);   /* a child not told to go sees EOF and exits */
	if (pid < 0)   /* why, only now: a launch that works pays for no diagnosis */
		diag_fail(e, DIAG_USERNS, clone_errno, "starting the container");
	else if (!ok)
		waitpid(pid, NULL, 0);
	else
		code = init_supervise(pid, 0, 0);
	struct err ce = { 0 };
	if (code >= 0 && child_error(errp[0], &ce))   /* the container failed, not the app */
		*e = ce, code = ce.code;
	close(errp[0]);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	cgroup_destroy(cg);
	return code;
}
