#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/xio.h"
#include "../runner/init.h"
#include "../runner/process.h"
#include "../runner/security.h"
#include "../stub/state.h"


/* The first child of pid whose command line differs from pid's: under the
 * container's init that is the app (the port relay is init's own copy). */
static pid_t app_of(pid_t pid)
{
	char path[64], *self, *kids;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	self = read_file_at(AT_FDCWD, path, 4096, NULL);
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	kids = read_file_at(AT_FDCWD, path, 4096, NULL);
	pid_t found = 0;
	for (char *p = kids, *end; p && *p && !found; p = end) {
		long k = strtol(p, &end, 10);
		if (end == p)
			break;
		snprintf(path, sizeof path, "/proc/%ld/cmdline", k);
		char *cmd = read_file_at(AT_FDCWD, path, 4096, NULL);
		if (cmd && (!self || strcmp(cmd, self) != 0))
			found = (pid_t)k;
		free(cmd);
	}
	free(self);
	free(kids);
	return found;
}

static pid_t first_child(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	char *kids = read_file_at(AT_FDCWD, path, 4096, NULL);
	pid_t c = kids ? (pid_t)strtol(kids, NULL, 10) : 0;
	free(kids);
	return c;
}

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

/* The app's environment, cwd and ids, read through /proc (pid is in the
 * host's numbering: the /proc we read is still the host's). */
static int read_target(pid_t app, struct target *t, struct err *e)
{
	char path[64], *text, *line;
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

static const char usage[] =
"usage: boxcar exec [-e K=V]... [-u UID[:GID]] [-w DIR] NAME CMD [ARGS...]\n"
"  runs CMD in the running container NAME: its namespaces, root, environment,\n"
"  working directory and user (-i and -t are accepted: stdio is passed through)\n";

struct exec_opts {
	const char *env[64];
	int nenv;
	const char *user, *cwd;
	char **argv;
	const char *name;
};

static int parse(int argc, char **argv, struct exec_opts *o, struct err *e)
{
	int i = 1;
	memset(o, 0, sizeof *o);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-i") || !strcmp(a, "-t") || !strcmp(a, "-it") || !strcmp(a, "-ti") ||
		    !strcmp(a, "--interactive") || !strcmp(a, "--tty"))
			continue;
		if (i + 1 >= argc)
			return err_set(e, EXIT_USAGE, "%s needs a value", a);
		if ((!strcmp(a, "-e") || !strcmp(a, "--env")) && o->nenv < 64 && strchr(argv[i + 1], '='))
			o->env[o->nenv++] = argv[++i];
		else if (!strcmp(a, "-u") || !strcmp(a, "--user"))
			o->user = argv[++i];
		else if (!strcmp(a, "-w") || !strcmp(a, "--workdir"))
			o->cwd = argv[++i];
		else
			return err_set(e, EXIT_USAGE, "unknown or bad exec option '%s'; see `boxcar exec --help`", a);
	}
	if (i + 1 >= argc)
		return err_set(e, EXIT_USAGE, "boxcar exec needs a container and a command");
	o->name = argv[i];
	o->argv = argv + i + 1;
	return 0;
}

/* -e K=V over the app's environment */
static void set_env(struct target *t, const struct exec_opts *o)
{
	int n = 0;
	while (t->env[n])
		n++;
	char **env = realloc(t->env, ((size_t)n + (size_t)o->nenv + 1) * sizeof *env);
	if (!env)
		return;
	for (int k = 0; k < o->nenv; k++) {
		size_t klen = strcspn(o->env[k], "=") + 1;
		int j = 0;
		while (j < n && strncmp(env[j], o->env[k], klen))
			j++;
		env[j] = (char *)o->env[k];
		n += j == n;
	}
	env[n] = NULL;
	t->env = env;
}

static void run_child(const struct target *t, const struct exec_opts *o, const struct security *sec, int errfd)
{
	char *sg = read_file_at(AT_FDCWD, "/proc/self/setgroups", 64, NULL);
	struct runner_proc p = {
		.argv = o->argv, .envp = t->env, .cwd = o->cwd ? o->cwd : *t->cwd ? t->cwd : "/",
		.switch_ids = 1, .set_groups = !sg || strncmp(sg, "deny", 4) != 0,   /* one-id maps deny it */
		.uid = t->uid, .gid = t->gid, .groups = t->groups, .ngroups = t->ngroups, .sec = sec,
		.errfd = errfd,
	};
	free(sg);
	runner_exec(&p);
}

/* In a child of ours: join the app's namespaces, take its view of the
 * process, and run the command in a grandchild (the first process the
 * container's pid namespace takes from us). Returns its exit status; a
 * failure of its own or the grandchild's goes to errfd. */
static int enter_child(pid_t app, int *fds, const struct exec_opts *o, int errfd)
{
	struct err e = { 0 };
	struct target t = { 0 };
	/* ids and the environment read as the container sees them */
	if (join(fds, 0, 1, &e) < 0 || read_target(app, &t, &e) < 0 || join(fds, 1, NNS, &e) < 0)
		child_fail(errfd, &e);
	if (o->user) {
		char *end, *gend = NULL;
		unsigned long u = strtoul(o->user, &end, 10), g = *end == ':' ? strtoul(end + 1, &gend, 10) : t.gid;
		if (end == o->user || (*end && (*end != ':' || gend == end + 1 || *gend)) || u > 0x7fffffff || g > 0x7fffffff)
			child_fail(errfd, (err_set(&e, EXIT_SETUP, "bad exec user '%s': give UID or UID:GID (numbers)",
						   o->user), &e));
		t.uid = (uid_t)u, t.gid = (gid_t)g, t.ngroups = 0;
	}
	set_env(&t, o);
	struct security sec = { .seccomp = 1, .no_new_privs = 1, .caps = security_default_caps };
	if (security_prepare(&sec, &e) < 0)
		child_fail(errfd, &e);
	pid_t pid = fork();
	if (pid == 0)
		run_child(&t, o, &sec, errfd);
	if (pid < 0)
		child_fail(errfd, (err_sys(&e, EXIT_SETUP, "fork"), &e));
	return init_supervise(pid, 0, 0);
}

/* Find the container's app and run the command beside it. We stay in the
 * host's namespaces (like docker's client) and relay signals and status. */
static int enter(const struct exec_opts *o, struct err *e)
{
	struct state_rec r;
	int fds[NNS], sfd = state_open(e);
	if (sfd < 0)
		return -1;
	int found = state_find(sfd, o->name, &r, e);
	close(sfd);
	if (found < 0)
		return -1;
	pid_t app = state_running(&r) ? app_of(first_child(r.pid)) : 0;
	if (!app)
		return err_set(e, EXIT_SETUP, "container %s is not running", o->name);
	if (open_ns(app, fds, e) < 0)
		return -1;
	sigset_t set;
	int errp[2];
	init_signal_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pipe2(errp, O_CLOEXEC) < 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0)
		return err_sys(e, EXIT_SETUP, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(errp[0]);
		_exit(enter_child(app, fds, o, errp[1]));
	}
	close(errp[1]);
	for (int i = 0; i < NNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	int rc = pid < 0 ? err_sys(e, EXIT_SETUP, "fork") : init_supervise(pid, 0, 0);
	if (rc >= 0 && child_error(errp[0], e))   /* exec itself failed, not the command */
		rc = -1;
	close(errp[0]);
	return rc;
}

int exec_command(int argc, char **argv)
{
	struct err e = { 0 };
	struct exec_opts o;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse(argc, argv, &o, &e) < 0)
		return err_print(&e);
	int rc = enter(&o, &e);
	return rc < 0 ? err_print(&e) : rc;
}
