/* Forked children and their errors (child.h). */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "xio.h"

pid_t child_start(child_fn fn, void *arg, int flags, int *rd, struct err *e)
{
	int fd[2];
	pid_t parent = getpid();
	if (pipe2(fd, O_CLOEXEC) < 0)
		return err_sys(e, EXIT_SETUP, "pipe");
	fflush(NULL);   /* nothing buffered is written twice */
	pid_t pid = fork();
	if (pid == 0) {
		struct err ce = { 0 };
		close(fd[0]);
		if ((flags & CHILD_DIES_WITH_PARENT) &&
		    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
			_exit(1);
		if (fn(arg, &ce) == 0)
			_exit(0);
		if (!ce.code)
			err_set(&ce, EXIT_SETUP, "failed");
		child_fail(fd[1], &ce);
	}
	close(fd[1]);
	if (pid < 0) {
		close_keep_errno(fd[0]);
		return err_sys(e, EXIT_SETUP, "fork");
	}
	*rd = fd[0];
	return pid;
}

void child_fail(int fd, const struct err *e)
{
	write_full(fd, e, sizeof *e);
	_exit(e->code ? e->code : EXIT_SETUP);
}

int child_error(int rd, struct err *e)
{
	struct err ce = { 0 };
	if (read(rd, &ce, sizeof ce) != (ssize_t)sizeof ce || !ce.code)
		return 0;
	ce.msg[sizeof ce.msg - 1] = 0;   /* (it came from outside this process) */
	ce.path[sizeof ce.path - 1] = 0;
	if (!e->code)
		*e = ce;
	return 1;
}

int child_wait(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int child_finish(pid_t pid, int rd, const char *what, struct err *e)
{
	int status = child_wait(pid);
	if (status < 0) {
		close_keep_errno(rd);
		return err_sys(e, EXIT_SETUP, "%s: wait", what);
	}
	int sent = status != 0 && child_error(rd, e);
	close(rd);
	if (status == 0)
		return 0;
	if (sent)
		return -1;
	if (status > 128)
		return err_set(e, EXIT_SETUP, "%s (killed by signal %d)", what, status - 128);
	return err_set(e, EXIT_SETUP, "%s (exit status %d)", what, status);
}

int child_run(child_fn fn, void *arg, int flags, const char *what, struct err *e)
{
	int rd;
	pid_t pid = child_start(fn, arg, flags, &rd, e);
	return pid < 0 ? -1 : child_finish(pid, rd, what, e);
}
