/* What a launch inside a Slurm job changes (docs/hpc.md): the caller's
 * SLURM* and PMI* variables reach the app, so does the PMI-2 socket
 * (PMI_FD), the working directory is the caller's where a volume shows
 * it, and the node's tasks share the host's IPC namespace and /dev/shm
 * (MPI's shared-memory transport) unless --boxcar-ipc=private. */
#ifndef BOXCAR_HPC_H
#define BOXCAR_HPC_H
#include <stddef.h>
#include "../runner/runner.h"

/* 1 when this process is a Slurm task or batch script (SLURM_JOB_ID set). */
int hpc_under_slurm(void);

/* 1 when the environment entry NAME=VALUE is one a Slurm task passes on:
 * its name starts with SLURM or PMI (PMI_*, PMIX_*). */
int hpc_env_passed(const char *kv);

/* The PMI-2 socket Slurm's mpi/pmi2 hands the task (PMI_FD), when it is
 * an open fd above stderr; else -1. */
int hpc_pmi_fd(void);

/* "JOB.STEP" of the Slurm job step this runs in, written to buf: 0, or -1
 * when not in a step (SLURM_JOB_ID or SLURM_STEP_ID unset). */
int hpc_step_key(char *buf, size_t len);

/* The caller's working directory as the container sees it through one of
 * the volumes (the deepest whose host path holds it), written to buf;
 * returns buf, or NULL when no volume shows it (or it does not fit). */
const char *hpc_cwd(const struct runner_volume *vols, int nvols, char *buf, size_t len);

#endif
