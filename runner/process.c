#include "process.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "../common/child.h"

extern char **environ;

/* The app starts with default dispositions and nothing blocked, as under
 * docker run: one launched from a script's background job (INT and QUIT
 * ignored) or from nohup must still stop on ^C. */
static void reset_signals(void)
{
	sigset_t none;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The capabilities are kept across the switch: seccomp may still need
 * CAP_SYS_ADMIN (security_apply). */
static int switch_user(const struct runner_proc *p, struct err *e)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    (p->set_groups && setgroups((size_t)p->ngroups, p->groups) < 0) ||
	    setresgid(p->gid, p->gid, p->gid) < 0 || setresuid(p->uid, p->uid, p->uid) < 0)
		return err_sys(e, EXIT_SETUP, "switch to user %u:%u", (unsigned)p->uid, (unsigned)p->gid);
	return 0;
}

void runner_exec(const struct runner_proc *p)
{
	struct err e = { 0 };
	if (security_drop_bounding(p->sec, &e) < 0 || rlimit_apply(p->rlimits, p->nrlimits, &e) < 0 ||
	    (p->switch_ids && switch_user(p, &e) < 0))
		child_fail(p->errfd, &e);
	if (chdir(p->cwd) < 0)
		child_fail(p->errfd, (err_sys(&e, EXIT_SETUP, "working directory %s", p->cwd), &e));
	reset_signals();
	if (security_apply(p->sec, &e) < 0)
		child_fail(p->errfd, &e);
	environ = (char **)p->envp;  /* execvp searches the container's PATH */
	execvp(p->argv[0], p->argv);
	int code = errno == ENOENT || errno == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC;
	err_sys(&e, code, "cannot run '%s'%s", p->argv[0],
		code == EXIT_NOTFOUND ? " (not found in the container; check the command and PATH)" : "");
	child_fail(p->errfd, &e);
}
