/* runner: start a process in a fresh container, like a tiny OCI runtime.
 * It knows nothing of images or payloads: it takes read-only lower
 * directories, a process description and mounts, and returns the exit
 * status of the process (128+N when killed by signal N). */
#ifndef BOXCAR_RUNNER_H
#define BOXCAR_RUNNER_H
#include <sys/types.h>
#include "../common/err.h"
#include "cgroup.h"
#include "net.h"
#include "relay.h"
#include "rlimits.h"
#include "security.h"

/* The IPC namespace (and /dev/shm): the container's own, or the host's. */
enum runner_ipc { RUNNER_IPC_PRIVATE, RUNNER_IPC_HOST };

struct runner_volume {
	const char *host;        /* absolute host path (file or directory) */
	const char *target;      /* absolute path inside the container */
	int readonly;
};

/* A host file or device node bound at target (absolute, in the container). */
struct runner_bind {
	const char *host;
	const char *target;
};

struct runner_spec {
	const char **lowers;     /* absolute paths of the lower dirs, topmost first */
	int nlowers;
	int flat;                /* lowers[0] is the whole tree, merged (a flat root):
				  * bound read-only, with writable tmpfs mounts seeded
				  * from it on /tmp, /run, /var/tmp and the mkdirs;
				  * its mount points exist already (no keep_dir) */
	const char *state_dir;   /* empty private dir: a tmpfs is mounted on it */
	const char *keep_dir;    /* where the writable layer is kept (upper/, work/;
				  * created if missing), or NULL: in the tmpfs */
	char *const *argv;       /* argv[0] resolved with the container's PATH */
	char *const *envp;
	const char *cwd;         /* created if missing */
	uid_t uid;               /* ids inside the container */
	gid_t gid;
	const gid_t *groups;     /* supplementary groups (set where the map allows) */
	int ngroups;
	const char *hostname;
	int stop_signal;         /* sent for SIGTERM (0: SIGTERM itself) */
	struct security sec;     /* capabilities, no_new_privs, seccomp */
	const struct runner_volume *volumes;
	int nvolumes;
	char *const *tmpfs;      /* paths that get a fresh tmpfs (mode 1777) */
	int ntmpfs;
	char *const *mkdirs;     /* the image's Volumes: created if missing, own mounts
				  * (a flat root's: writable tmpfs, with its content) */
	int nmkdirs;
	int read_only;           /* the root itself read-only (docker run --read-only) */
	const struct runner_bind *devices;     /* host device nodes, bound at targets in /dev (GPUs) */
	int ndevices;
	const char *driver_dir;  /* NULL, or a fresh tmpfs here holding driver_files: host
				  * files bound read-only at targets beneath it (a GPU
				  * driver's libraries and tools); the directory is made in
				  * the init layer (a flat root's by the launcher) */
	const struct runner_bind *driver_files;
	int ndriver_files;
	const struct runner_rlimit *rlimits;   /* --ulimit */
	int nrlimits;
	struct cgroup_limits limits;           /* --memory, --cpus, --pids-limit */
	int net;                               /* enum runner_net */
	struct runner_port *ports;             /* published (net private) */
	int nports;
	int ipc_host;            /* the host's IPC namespace and /dev/shm (bound),
				  * not a new namespace and a fresh tmpfs: what
				  * MPI's shared memory between one node's
				  * containers needs */
	const int *keep_fds;     /* fds above stderr the app inherits (a PMI
				  * socket); every other one is closed */
	int nkeep_fds;
};

/* Run the container and wait for it. Returns the exit status to hand to
 * the caller: the process's own, or 125/126/127 when the container failed
 * before the app ran, and then e holds why (its children send it back:
 * common/child.h) for the caller to print; -1 with `e` set if nothing
 * could be started. */
int runner_run(const struct runner_spec *spec, struct err *e);

/* Closes every fd above stderr but the spec's ports', keep_fds and errfd
 * (-1: none), so the app inherits nothing of the launcher's (both engines). */
int runner_close_fds(const struct runner_spec *s, int errfd, struct err *e);

#endif
