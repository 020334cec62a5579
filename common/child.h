/* Work done in a forked child, reporting back the one way every child of
 * boxcar does: its struct err travels to the parent through a pipe, and the
 * parent returns it like any other error, so one line is printed, by the
 * parent's main. A child that execs (the pipe is close-on-exec) sends
 * nothing when the exec works. */
#ifndef BOXCAR_CHILD_H
#define BOXCAR_CHILD_H
#include <sys/types.h>
#include "err.h"

/* The child's work: 0, or -1 with e filled (it may also exec). */
typedef int (*child_fn)(void *arg, struct err *e);

enum {
	CHILD_DIES_WITH_PARENT = 1,   /* PR_SET_PDEATHSIG SIGKILL (it must not outlive us) */
};

/* Fork; the child runs fn and exits 0, or sends its error and exits 1.
 * Returns the child's pid and *rd, the pipe to give child_finish; -1 with e. */
pid_t child_start(child_fn fn, void *arg, int flags, int *rd, struct err *e);
/* Wait for it and close rd: 0 when it exited 0; else -1 with the error it
 * sent, or "WHAT (exit status N)" / "WHAT (killed by signal N)". */
int child_finish(pid_t pid, int rd, const char *what, struct err *e);
/* In a child whose parent waits on the pipe fd (close-on-exec) for its
 * error: send e there and exit with e's code. */
void child_fail(int fd, const struct err *e) __attribute__((noreturn));
/* The error a child sent on rd, if any, into e (rd is left open): 1 when
 * there was one, 0 when none (rd must be at EOF or non-blocking). */
int child_error(int rd, struct err *e);
/* child_start, then child_finish. */
int child_run(child_fn fn, void *arg, int flags, const char *what, struct err *e);
/* waitpid, retried on EINTR: the exit status, 128+N when killed by signal
 * N (as a shell reports it); -1 with errno when there is nothing to wait for. */
int child_wait(pid_t pid);

#endif
