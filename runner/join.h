/* Joining a running container: a command run in the namespaces of one of
 * its processes (user first, mount last), with the environment, working
 * directory and ids of its app and the confinement the caller gives,
 * supervised from outside (signals forwarded, exit status returned).
 * `boxcar exec` (containers/exec.c) is built on it; a stub mode that joins
 * a shared per-node container (docs/hpc.md, the SPANK plugin) would be too. */
#ifndef BOXCAR_JOIN_H
#define BOXCAR_JOIN_H
#include <sys/types.h>
#include "../common/err.h"
#include "security.h"

struct runner_join {
	pid_t ns_pid;                /* whose namespaces (a host pid) */
	pid_t app_pid;               /* whose environment, cwd and ids (a host pid, in the container) */
	char *const *argv;           /* argv[0] looked up on the environment's PATH */
	const char *const *env_drop; /* names (prefixes) left out of the app's environment */
	int ndrop;
	const char *const *env_add;  /* NAME=VALUE set over the app's environment */
	int nenv;
	const char *cwd;             /* NULL: the app's */
	int set_user;                /* 1: uid (and gid) below, no supplementary groups */
	uid_t uid;
	gid_t gid;                   /* (gid_t)-1: the app's */
	const struct security *sec;  /* prepared (security_prepare) by the caller */
};

/* Run j->argv in the container and wait for it. Returns its exit status
 * (128+N when killed by N; 126/127 when it cannot be run, with e filled and
 * -1 returned instead), or -1 with e. The caller's signals that init
 * forwards are blocked while it runs. */
int runner_join(const struct runner_join *j, struct err *e);

#endif
