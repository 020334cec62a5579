/* The last steps of starting a process in a container, shared by the
 * container's app (run.c) and a command joining a running one (join.c): limits, ids,
 * working directory, default signals, confinement, exec. */
#ifndef BOXCAR_PROCESS_H
#define BOXCAR_PROCESS_H
#include <sys/types.h>
#include "rlimits.h"
#include "security.h"

struct runner_proc {
	char *const *argv;       /* argv[0] is looked up in envp's PATH */
	char *const *envp;
	const char *cwd;
	int switch_ids;          /* become uid/gid (else: the map made us that) */
	int set_groups;          /* also set the supplementary groups (not where denied) */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	int ngroups;
	const struct security *sec;
	const struct runner_rlimit *rlimits;
	int nrlimits;
	int errfd;               /* a failure is sent here (common/child.h); close-on-exec */
};

/* Does not return: on failure sends the error to errfd and exits 125
 * (setup), 126 or 127 (exec). */
void runner_exec(const struct runner_proc *p) __attribute__((noreturn));

#endif
