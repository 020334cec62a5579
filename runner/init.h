/* PID 1 of the container and the launcher that waits for it: both forward
 * signals to one child and reap. */
#ifndef BOXCAR_INIT_H
#define BOXCAR_INIT_H
#include <signal.h>
#include <sys/types.h>

/* The signals we forward (TERM INT HUP QUIT USR1 USR2 WINCH) plus CHLD. */
/* "TERM", "SIGTERM" or "15" -> 15; -1 if unknown. */
int init_signal_number(const char *name);
void init_signal_set(sigset_t *set);
/* Wait for `child`, forwarding signals sent to us with kill() (not those the
 * terminal sends to the whole foreground group: the child got those too).
 * SIGTERM is forwarded as `stop_signal` (the image's StopSignal, as
 * `docker stop` sends it; 0 = SIGTERM). With `reap_all`, also reap every
 * other process (PID 1's duty). Returns the child's status as an exit
 * code: its own, or 128+N if killed by N. */
int init_supervise(pid_t child, int reap_all, int stop_signal);
/* The exit code for a wait() status. */
int init_exit_code(int status);

#endif
