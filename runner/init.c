#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

int init_signal_number(const char *s)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "TERM", SIGTERM }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "HUP", SIGHUP },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "WINCH", SIGWINCH },
		{ "PWR", SIGPWR }, { "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "ALRM", SIGALRM },
	};
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end && n > 0 && n < 65)
		return (int)n;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	return -1;
}

void init_signal_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(set, forwarded[i]);
	sigaddset(set, SIGCHLD);
}

int init_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

/* Reap what has exited; returns 1 once `child` is among them. */
static int reap(pid_t child, int reap_all, int *code)
{
	for (;;) {
		int status;
		pid_t p = waitpid(reap_all ? -1 : child, &status, WNOHANG);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			return 0;
		if (p == child) {
			*code = init_exit_code(status);
			return 1;
		}
	}
}

int init_supervise(pid_t child, int reap_all, int stop_signal)
{
	sigset_t set;
	siginfo_t si;
	int code = 125;
	init_signal_set(&set);
	/* signals are blocked by the caller since before the child existed */
	for (;;) {
		if (reap(child, reap_all, &code))
			return code;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0 || sig == SIGCHLD)
			continue;
		if (si.si_code == SI_KERNEL)   /* from the tty: the child has it */
			continue;
		kill(child, sig == SIGTERM && stop_signal > 0 ? stop_signal : sig);
	}
}
