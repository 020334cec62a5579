/* Resource limits (docker run --memory, --cpus, --pids-limit) through a
 * cgroup v2 subtree delegated to the caller, as rootless Podman and crun
 * use one: the container gets a child cgroup of the launcher's own. Hosts
 * with cgroup v1, or without a delegated subtree, get an error that says
 * what to do instead; nothing is half-applied. */
#ifndef BOXCAR_CGROUP_H
#define BOXCAR_CGROUP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "../common/err.h"

struct cgroup_limits {
	uint64_t memory;         /* bytes; 0: no limit */
	uint64_t cpu_millis;     /* thousandths of a CPU; 0: no limit */
	uint64_t pids;           /* 0: no limit */
};

static inline int cgroup_wanted(const struct cgroup_limits *l)
{
	return l->memory || l->cpu_millis || l->pids;
}

/* This process's cgroup directory under /sys/fs/cgroup; an error saying
 * what to do on a host without cgroup v2. */
int cgroup_own(char *dir, size_t len, struct err *e);
/* Make the container's cgroup with the limits; path gets its directory. */
int cgroup_create(const struct cgroup_limits *l, char *path, size_t len, struct err *e);
/* Move pid (the container's init, before it runs anything) into it. */
int cgroup_enter(const char *path, pid_t pid, struct err *e);
void cgroup_destroy(const char *path);

#endif
