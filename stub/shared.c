#include "shared.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/fsutil.h"
#include "../common/xio.h"
#include "../runner/init.h"
#include "../runner/join.h"
#include "hpc.h"
#include "launch.h"
#include "state.h"

#define READY_WAIT_MS 120000   /* a holder's first launch may extract the layers */

extern char **environ;

/* Deaf to every signal: the job's (scancel's TERM, forwarded by the
 * holder's init) must reach the tasks' commands, not end their container
 * under them; the watchdog ends it with SIGKILL. */
int shared_idle(void)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_IGN);
	for (;;)
		pause();
}

/* slurm-JOB.STEP, from a key of digits and dots only */
static int step_name(const char *key, char *name, size_t len, struct err *e)
{
	size_t n = strlen(key);
	if (!n || n > 40 || strspn(key, "0123456789.") != n)
		return err_set(e, EXIT_SETUP, "bad step key '%s' (want JOB.STEP: digits and dots)", key);
	snprintf(name, len, "slurm-%s", key);
	return 0;
}

int shared_hold_opts(struct run_opts *o, struct err *e)
{
	static char name[64];
	if (step_name(o->hold, name, sizeof name, e) < 0)
		return -1;
	o->name = name, o->rm = 1;
	return 0;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The holder's idle app (a host pid), 0 when none is up. A record whose
 * supervisor is gone (killed) is removed, with its writable layer. */
static pid_t idle_app(int sfd, const char *name, struct state_rec *r)
{
	struct err e = { 0 };
	if (state_find(sfd, name, r, &e) < 0)
		return 0;
	if (!state_running(r)) {
		if (!r->exited || r->keep[0])   /* (an exited one removes itself: --rm) */
			state_discard(sfd, r);
		return 0;
	}
	pid_t app = state_app(r);
	char path[64], *cmd;
	size_t len;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)app);
	if (!app || !(cmd = read_file_at(AT_FDCWD, path, 4096, &len)))
		return 0;
	size_t k = strlen(cmd) + 1;   /* its argv[1] says it is the idle app */
	int ok = k < len && !strcmp(cmd + k, SHARED_IDLE);
	free(cmd);
	return ok ? app : 0;
}

/* Stop the holder once the step's slurmstepd is gone (its idle app
 * killed, then, after 5 s, the holder itself): a holder never outlives its
 * step. Runs detached, as the job's user; a killed holder's record goes too. */
static void watchdog(int sfd, const char *name, pid_t stepd, unsigned long long start)
{
	struct state_rec r;
	struct err e = { 0 };
	char file[80];
	while (state_proc_start(stepd) == start)
		msleep(200);
	snprintf(file, sizeof file, "%s.lock", name);
	unlinkat(sfd, file, 0);   /* (the step is over: no task takes it again) */
	snprintf(file, sizeof file, "%s.log", name);
	unlinkat(sfd, file, 0);
	if (state_find(sfd, name, &r, &e) < 0)
		_exit(0);
	pid_t app = state_app(&r);
	if (app)
		kill(app, SIGKILL);   /* the idle app: the container ends, the holder removes its record (--rm) */
	for (int i = 0; i < 50 && state_running(&r); i++)
		msleep(100);
	if (state_running(&r)) {
		kill(r.pid, SIGKILL);
		for (int i = 0; i < 20 && state_running(&r); i++)
			msleep(50);
	}
	if (!state_running(&r) && state_find(sfd, name, &r, &e) == 0)
		state_discard(sfd, &r);
	_exit(0);
}

/* A detached child's fds: stdin and stdout /dev/null, stderr err (-1:
 * /dev/null too), every other fd closed but keep (-1: none). */
static void detach_fds(int err, int keep)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err >= 0 ? err : null, 2) < 0)
		_exit(EXIT_SETUP);
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

static int start_watchdog(int sfd, const char *name, struct err *e)
{
	pid_t stepd = getppid();
	unsigned long long start = state_proc_start(stepd);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, EXIT_SETUP, "fork");
	if (pid == 0) {
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		detach_fds(-1, sfd);
		watchdog(sfd, name, stepd, start);
	}
	child_wait(pid);
	return 0;
}

/* The holder's stderr: STATE/NAME.log (why it did not start, or stopped) */
static int open_log(int sfd, const char *name, int trunc)
{
	char log[80];
	snprintf(log, sizeof log, "%s.log", name);
	return openat(sfd, log, (trunc ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* The holder failed: the last "boxcar: " line of its log as our error */
static int holder_failed(int sfd, const char *name, int status, struct err *e)
{
	int fd = open_log(sfd, name, 0);
	char *text = fd >= 0 ? read_fd_all(fd, 1 << 16, NULL) : NULL, *why = NULL;
	for (char *p = text; p && (p = strstr(p, "boxcar: ")); p += 8)
		if (p == text || p[-1] == '\n')
			why = p + 8;
	if (why)
		why[strcspn(why, "\n")] = 0;
	if (why)
		err_set(e, EXIT_SETUP, "the step's shared container did not start: %s", why);
	else
		err_set(e, EXIT_SETUP, "the step's shared container did not start (exit status %d)", status);
	free(text);
	if (fd >= 0)
		close(fd);
	char log[80];
	snprintf(log, sizeof log, "%s.log", name);
	unlinkat(sfd, log, 0);
	return -1;
}

/* One of a task's options the holder takes: all of them (volumes, env, ids,
 * root, GPUs...) but those that make it a task or name it. */
static int holder_option(const char *arg)
{
	static const char *const not[] = { "--boxcar-join=", "--boxcar-share=", "--boxcar-hold=",
					   "--boxcar-name=", "--boxcar-rm", "--boxcar-detach" };
	for (size_t i = 0; i < sizeof not / sizeof not[0]; i++)
		if (!strncmp(arg, not[i], strlen(not[i])))
			return 0;
	return 1;
}

/* The packed file again as the holder, in a session of its own: our
 * --boxcar options (those before the entrypoint or the arguments, but
 * holder_option's), stdout /dev/null, stderr the log. Returns its pid, or
 * -1 with e. */
static pid_t start_holder(int sfd, int argc, char **argv, const char *key, const char *name, struct err *e)
{
	char hold[64], **hargv = calloc((size_t)argc + 2, sizeof *hargv);
	int n = 0, log = open_log(sfd, name, 1);
	if (!hargv || log < 0) {
		free(hargv);
		if (log >= 0)
			close(log);
		return hargv ? err_sys(e, EXIT_SETUP, "create %s.log in the state directory", name)
			: err_set(e, EXIT_SETUP, "out of memory");
	}
	snprintf(hold, sizeof hold, "--boxcar-hold=%s", key);
	hargv[n++] = argv[0];
	hargv[n++] = hold;
	for (int i = 1; i < argc && !strncmp(argv[i], "--boxcar-", 9) && strcmp(argv[i], "--boxcar--") &&
			strncmp(argv[i], "--boxcar-entrypoint=", 20); i++)
		if (holder_option(argv[i]))
			hargv[n++] = argv[i];
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (setsid() < 0)
			_exit(EXIT_SETUP);
		detach_fds(log, -1);
		unsetenv("PMI_FD");   /* the socket is the first task's, not the holder's */
		execv("/proc/self/exe", hargv);
		_exit(EXIT_SETUP);
	}
	free(hargv);
	close(log);
	return pid < 0 ? err_sys(e, EXIT_SETUP, "fork") : pid;
}

/* Under the step's lock: the running holder's idle app, or a new holder's
 * once it is up. */
static pid_t holder(int sfd, int argc, char **argv, const char *key, const char *name, struct err *e)
{
	char lock[80];
	struct state_rec r;
	snprintf(lock, sizeof lock, "%s.lock", name);
	int lfd = openat(sfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		err_sys(e, EXIT_SETUP, "lock %s in the state directory", lock);
		if (lfd >= 0)
			close(lfd);
		return 0;
	}
	pid_t app = idle_app(sfd, name, &r), pid = app ? 0 : start_holder(sfd, argc, argv, key, name, e);
	int status;
	for (int ms = 0; pid > 0 && !(app = idle_app(sfd, name, &r)); ms += 20) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			holder_failed(sfd, name, init_exit_code(status), e);
			break;
		}
		if (ms >= READY_WAIT_MS) {
			kill(pid, SIGKILL);
			err_set(e, EXIT_SETUP, "the step's shared container did not come up in %d s", READY_WAIT_MS / 1000);
			break;
		}
		msleep(20);
	}
	/* (after a failed start too: at the step's end it removes the lock) */
	struct err we = { 0 };
	if (pid > 0 && start_watchdog(sfd, name, &we) < 0 && app)
		app = 0, *e = we;
	close(lfd);
	return app;
}

/* The task's SLURM and PMI variables (over the holder's, which are the
 * first task's) */
static const char **task_env(int *n)
{
	int k = 0;
	for (char **v = environ; *v; v++)
		k++;
	const char **out = calloc((size_t)k + 1, sizeof *out);
	*n = 0;
	for (char **v = environ; out && *v; v++)
		if (hpc_env_passed(*v))
			out[(*n)++] = *v;
	return out;
}

int shared_join(const struct payload *p, const struct run_opts *o, int argc, char **argv, struct err *e)
{
	char name[64], step[48];
	static const char *const drop[] = { "SLURM", "PMI" };
	const char *key = o->join;
	if (!key && hpc_step_key(step, sizeof step) < 0)
		return err_set(e, EXIT_SETUP, "--boxcar-share=step: not in a Slurm job step (no SLURM_JOB_ID and "
			       "SLURM_STEP_ID); run it with srun");
	if (!key)
		key = step;
	char **cmd = NULL;
	if (step_name(key, name, sizeof name, e) < 0 || !(cmd = launch_command(p, o, e)))
		return -1;
	int sfd = state_open(e), n = 0, rc = -1;
	pid_t app = sfd < 0 ? 0 : holder(sfd, argc, argv, key, name, e);
	if (sfd >= 0)
		close(sfd);
	const char **add = app ? task_env(&n) : NULL;
	struct security sec = o->sec;
	if (!app)
		goto out;
	if (!add) {
		err_set(e, EXIT_SETUP, "out of memory");
		goto out;
	}
	struct runner_join j = {
		.ns_pid = app, .app_pid = app, .argv = cmd, .env_drop = drop, .ndrop = 2,
		.env_add = add, .nenv = n, .sec = &sec,
	};
	if (security_prepare(&sec, e) == 0) {
		rc = runner_join(&j, e);
		security_release(&sec);
	}
out:
	free(add);
	free(cmd);
	return rc;
}
