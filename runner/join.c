#include "join.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/xio.h"
#include "init.h"
#include "process.h"

static const struct { const char *ns; int type; } ns_order[] = {
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
};
#define NNS (int)(sizeof ns_order / sizeof ns_order[0])

/* pid's namespaces, opened while /proc is still the host's; -1 for one
 * that is ours already (the host's network): nothing to join. */
static int open_ns(pid_t pid, int *fds, struct err *e)
{
	char path[64], mine[64];
	for (int i = 0; i < NNS; i++) {
		struct stat a, b;
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns_order[i].ns);
		snprintf(mine, sizeof mine, "/proc/self/ns/%s", ns_order[i].ns);
		if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			while (i--)
				if (fds[i] >= 0)
					close(fds[i]);
			return err_sys(e, EXIT_SETUP, "open %s", path);
		}
		if (fstat(fds[i], &a) == 0 && stat(mine, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	return 0;
}

static void close_ns(int *fds)
{
	for (int i = 0; i < NNS; i++)
		if (fds[i] >= 0)
			close(fds[i]), fds[i] = -1;
}

/* Join namespaces [from, to) of fds (and close them). The user namespace
 * comes first: it gives the capabilities the others need; the mount
 * namespace last: it moves our root into the container's. */
static int join(int *fds, int from, int to, struct err *e)
{
	int rc = 0;
	for (int i = from; i < to; i++) {
		if (fds[i] < 0)
			continue;
		if (rc == 0 && setns(fds[i], ns_order[i].type) < 0)
			rc = err_sys(e, EXIT_SETUP, "join the container's %s namespace", ns_order[i].ns);
		close(fds[i]);
		fds[i] = -1;
	}
	return rc;
}

struct target {
	char **env;              /* the app's environment (NULL-terminated) */
	char cwd[4096];
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
};

static int read_env(pid_t app, struct target *t, struct err *e)
{
	char path[64], *text;
	size_t len;
	snprintf(path, sizeof path, "/proc/%d/environ", (int)app);
	if (!(text = read_file_at(AT_FDCWD, path, 1 << 20, &len)))
		return err_sys(e, EXIT_SETUP, "read %s", path);
	int n = 0;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		n++;
	if (!(t->env = calloc((size_t)n + 1, sizeof *t->env)))
		return err_set(e, EXIT_SETUP, "out of memory");
	n = 0;
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		t->env[n++] = text + i;   /* (text stays allocated: the env points into it) */
	return 0;
}

/* The app's environment, cwd and ids, read through /proc (app is in the
 * host's numbering: the /proc we read is still the host's; the ids are
 * shown as our user namespace, the container's by now, sees them). */
static int read_target(pid_t app, struct target *t, struct err *e)
{
	char path[64], *line;
	if (read_env(app, t, e) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/cwd", (int)app);
	ssize_t k = readlink(path, t->cwd, sizeof t->cwd - 1);
	t->cwd[k > 0 ? k : 0] = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)app);
	char *st = read_file_at(AT_FDCWD, path, 1 << 16, NULL);
	if (!st)
		return err_sys(e, EXIT_SETUP, "read %s", path);
	if ((line = strstr(st, "\nUid:")))
		t->uid = (uid_t)strtoul(line + 5, NULL, 10);
	if ((line = strstr(st, "\nGid:")))
		t->gid = (gid_t)strtoul(line + 5, NULL, 10);
	if ((line = strstr(st, "\nGroups:")))
		for (char *p = line + 8, *end; t->ngroups < 64; p = end) {
			unsigned long g = strtoul(p, &end, 10);
			if (end == p)
				break;
			t->groups[t->ngroups++] = (gid_t)g;
		}
	free(st);
	return 0;
}

static int dropped(const struct runner_join *j, const char *kv)
{
	for (int i = 0; i < j->ndrop; i++)
		if (!strncmp(kv, j->env_drop[i], strlen(j->env_drop[i])))
			return 1;
	return 0;
}

/* The app's environment less env_drop, then env_add (NAME=VALUE) over it */
static int set_env(struct target *t, const struct runner_join *j, struct err *e)
{
	int n = 0;
	for (int i = 0; t->env[i]; i++)
		if (!dropped(j, t->env[i]))
			t->env[n++] = t->env[i];
	t->env[n] = NULL;
	char **env = realloc(t->env, ((size_t)n + (size_t)j->nenv + 1) * sizeof *env);
	if (!env)
		return err_set(e, EXIT_SETUP, "out of memory");
	for (int k = 0; k < j->nenv; k++) {
		size_t klen = strcspn(j->env_add[k], "=") + 1;
		int i = 0;
		while (i < n && strncmp(env[i], j->env_add[k], klen))
			i++;
		env[i] = (char *)j->env_add[k];
		n += i == n;
	}
	env[n] = NULL;
	t->env = env;
	return 0;
}

static void run_command(const struct target *t, const struct runner_join *j, int errfd)
{
	char *sg = read_file_at(AT_FDCWD, "/proc/self/setgroups", 64, NULL);
	struct runner_proc p = {
		.argv = j->argv, .envp = t->env, .cwd = j->cwd ? j->cwd : *t->cwd ? t->cwd : "/",
		.switch_ids = 1, .set_groups = !sg || strncmp(sg, "deny", 4) != 0,   /* one-id maps deny it */
		.uid = t->uid, .gid = t->gid, .groups = t->groups, .ngroups = t->ngroups, .sec = j->sec,
		.errfd = errfd,
	};
	free(sg);
	runner_exec(&p);
}

/* In a child of ours: join the namespaces, take the app's view of the
 * process, and run the command in a grandchild (the first process the
 * container's pid namespace takes from us). Returns its exit status; a
 * failure of its own or the grandchild's goes to errfd. */
static int enter_child(const struct runner_join *j, int *fds, int errfd)
{
	struct err e = { 0 };
	struct target t = { 0 };
	/* ids and the environment read as the container sees them */
	if (join(fds, 0, 1, &e) < 0 || read_target(j->app_pid, &t, &e) < 0 || join(fds, 1, NNS, &e) < 0 ||
	    set_env(&t, j, &e) < 0)
		child_fail(errfd, &e);
	if (j->set_user) {
		t.uid = j->uid, t.ngroups = 0;
		if (j->gid != (gid_t)-1)
			t.gid = j->gid;
	}
	pid_t pid = fork();
	if (pid == 0)
		run_command(&t, j, errfd);
	if (pid < 0)
		child_fail(errfd, (err_sys(&e, EXIT_SETUP, "fork"), &e));
	return init_supervise(pid, 0, 0);
}

int runner_join(const struct runner_join *j, struct err *e)
{
	int fds[NNS], errp[2];
	if (open_ns(j->ns_pid, fds, e) < 0)
		return -1;
	sigset_t set;
	init_signal_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close_ns(fds);
		return err_sys(e, EXIT_SETUP, "pipe");
	}
	if (fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {
		close_ns(fds);
		close(errp[0]), close(errp[1]);
		return err_sys(e, EXIT_SETUP, "pipe");
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(errp[0]);
		_exit(enter_child(j, fds, errp[1]));
	}
	close(errp[1]);
	close_ns(fds);
	int rc = pid < 0 ? err_sys(e, EXIT_SETUP, "fork") : init_supervise(pid, 0, 0);
	if (rc >= 0 && child_error(errp[0], e))   /* exec itself failed, not the command */
		rc = -1;
	close(errp[0]);
	return rc;
}
