#include "lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/xio.h"
#include "../runner/init.h"
#include "changes.h"
#include "../stub/state.h"

static const char usage[] =
"usage: boxcar ps [-a] | start NAME... | stop [-t SECONDS] NAME... | kill [-s SIGNAL] NAME... |\n"
"       logs [-f] NAME | rm [-f] NAME...\n"
"  NAME: a container's name (--boxcar-name) or id (or a unique prefix of it)\n";

static void ago(time_t t, char *buf, size_t len)
{
	long d = (long)(time(NULL) - t);
	if (d < 120)
		snprintf(buf, len, "%ld seconds", d < 1 ? 1 : d);
	else if (d < 7200)
		snprintf(buf, len, "%ld minutes", d / 60);
	else
		snprintf(buf, len, "%ld hours", d / 3600);
}

static int print_rec(const struct state_rec *r, void *arg)
{
	int all = *(int *)arg, up = state_running(r);
	char when[32], status[64];
	if (!up && !all)
		return 0;
	ago(r->created, when, sizeof when);
	if (up)
		snprintf(status, sizeof status, "Up %s", when);
	else if (r->exited)
		snprintf(status, sizeof status, "Exited (%d)", r->code);
	else
		snprintf(status, sizeof status, "Exited (killed)");
	const char *f = strrchr(r->file, '/');
	printf("%-12s  %-16s  %-20.20s  %-20s  %s\n", r->id, r->name[0] ? r->name : "-", f ? f + 1 : r->file,
	       status, r->ports);
	return 0;
}

static int cmd_ps(int sfd, int argc, char **argv, struct err *e)
{
	int all = argc > 1 && (!strcmp(argv[1], "-a") || !strcmp(argv[1], "--all"));
	if (argc > 1 + all)
		return err_set(e, EXIT_USAGE, "boxcar ps takes only -a");
	printf("%-12s  %-16s  %-20s  %-20s  %s\n", "CONTAINER ID", "NAME", "FILE", "STATUS", "PORTS");
	return state_each(sfd, print_rec, &all);
}

/* Wait up to ms for the supervisor to go. 1 if gone. */
static int wait_gone(const struct state_rec *r, long ms)
{
	for (long t = 0; t <= ms; t += 20) {
		if (state_proc_start(r->pid) != r->start)
			return 1;
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* docker stop: TERM (which arrives as the image's StopSignal), then KILL. */
static int stop_one(int sfd, const struct state_rec *r, long secs)
{
	if (!state_running(r))
		return 0;
	kill(r->pid, SIGTERM);
	if (wait_gone(r, secs * 1000))
		return 0;
	kill(r->pid, SIGKILL);   /* its init dies with it (PR_SET_PDEATHSIG), and the pid namespace */
	wait_gone(r, 5000);
	state_set_exit(sfd, r->id, 128 + SIGKILL);
	return 0;
}

struct restart { const struct state_rec *r; char **argv; };

/* (in a child) the file again, its stdout (its id line) to /dev/null: we
 * print the name asked for */
static int exec_again(void *arg, struct err *e)
{
	const struct restart *s = arg;
	const struct state_rec *r = s->r;
	if (setenv("BOXCAR_RESTART", r->id, 1) < 0 || chdir(r->cwd[0] ? r->cwd : "/") < 0)
		return err_sys(e, EXIT_SETUP, "cannot start %s: %s", r->id, r->cwd);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 1);
	execv(r->file, s->argv);
	return err_sys(e, EXIT_SETUP, "cannot run %s", r->file);
}

/* docker start: run the file again, detached, with the arguments it was
 * first given, in the same record (and on the same kept writable layer). */
static int start_one(int sfd, const struct state_rec *r, struct err *e)
{
	char *buf = NULL, **args;
	if (state_running(r))
		return err_set(e, EXIT_SETUP, "container %s is already running", r->name[0] ? r->name : r->id);
	if (!(args = state_read_argv(sfd, r->id, &buf, e)))
		return -1;
	int n = 0;
	while (args[n])
		n++;
	char **v = calloc((size_t)n + 3, sizeof *v);
	if (!v) {
		free(args), free(buf);
		return err_set(e, EXIT_SETUP, "out of memory");
	}
	v[0] = (char *)r->file;
	v[1] = "--boxcar-detach";
	memcpy(v + 2, args, (size_t)n * sizeof *v);
	struct restart s = { r, v };
	char what[300];
	snprintf(what, sizeof what, "container %s did not start; see `boxcar logs %s`",
		 r->name[0] ? r->name : r->id, r->name[0] ? r->name : r->id);
	int rc = child_run(exec_again, &s, 0, what, e);
	free(v), free(args), free(buf);
	return rc;
}

/* start, stop, kill, rm: options, then one or more names */
static int cmd_each(int sfd, const char *verb, int argc, char **argv, struct err *e)
{
	long secs = 10;
	int sig = SIGKILL, force = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(verb, "stop") && (!strcmp(argv[i], "-t") || !strcmp(argv[i], "--time")) && i + 1 < argc)
			secs = atol(argv[++i]);
		else if (!strcmp(verb, "kill") && (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--signal")) && i + 1 < argc) {
			if ((sig = init_signal_number(argv[++i])) < 0)
				return err_set(e, EXIT_USAGE, "unknown signal '%s'", argv[i]);
		} else if (!strcmp(verb, "rm") && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")))
			force = 1;
		else
			return err_set(e, EXIT_USAGE, "unknown option '%s' for boxcar %s", argv[i], verb);
	}
	if (i == argc)
		return err_set(e, EXIT_USAGE, "boxcar %s needs a container name or id", verb);
	int bad = 0;
	for (; i < argc; i++) {
		struct state_rec r;
		struct err fe = { 0 };
		if (state_find(sfd, argv[i], &r, &fe) < 0) {
			err_print(&fe);
			bad = 1;
			continue;
		}
		if (!strcmp(verb, "stop"))
			stop_one(sfd, &r, secs);
		else if (!strcmp(verb, "start")) {
			if (start_one(sfd, &r, &fe) < 0) {
				err_print(&fe);
				bad = 1;
				continue;
			}
		}
		else if (!strcmp(verb, "kill")) {
			if (!state_running(&r) || kill(r.pid, sig) < 0) {
				fprintf(stderr, "boxcar: container %s is not running\n", argv[i]);
				bad = 1;
				continue;
			}
		} else {
			if (state_running(&r) && !force) {
				fprintf(stderr, "boxcar: container %s is running; stop it first, or rm -f\n", argv[i]);
				bad = 1;
				continue;
			}
			stop_one(sfd, &r, 0);
			if (kept_remove(&r, &fe) < 0) {
				err_print(&fe);
				bad = 1;
				continue;
			}
			state_remove(sfd, &r);
		}
		printf("%s\n", argv[i]);
	}
	return bad ? err_set(e, EXIT_PACK, "boxcar %s: not every container could be handled", verb) : 0;
}

/* logs [-f]: the detached container's output; -f follows until it ends */
static int cmd_logs(int sfd, int argc, char **argv, struct err *e)
{
	int follow = argc == 3 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--follow"));
	if (argc != 2 + follow)
		return err_set(e, EXIT_USAGE, "usage: boxcar logs [-f] NAME");
	struct state_rec r;
	char path[STATE_ID_LEN + 8], buf[65536];
	if (state_find(sfd, argv[argc - 1], &r, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/log", r.id);
	int fd = openat(sfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, EXIT_SETUP, "container %s has no log (it ran attached)", argv[argc - 1]);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			if (write_full(1, buf, (size_t)n) < 0)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (!follow || !state_running(&r))
			break;
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
	}
	close(fd);
	return 0;
}

int lifecycle_command(const char *verb, int argc, char **argv)
{
	struct err e = { 0 };
	if (!strcmp(verb, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	int sfd = state_open(&e), rc = -1;
	if (sfd >= 0) {
		if (!strcmp(verb, "ps"))
			rc = cmd_ps(sfd, argc, argv, &e);
		else if (!strcmp(verb, "logs"))
			rc = cmd_logs(sfd, argc, argv, &e);
		else
			rc = cmd_each(sfd, verb, argc, argv, &e);
		close(sfd);
	}
	return rc < 0 ? err_print(&e) : 0;
}
