/* The SPANK plugin's shared container (contrib/slurm, docs/hpc.md): one
 * container per node and job step, shared by that node's tasks, as pyxis
 * does. Three hidden modes of the packed file:
 *
 *   FILE --boxcar-join=JOB.STEP [--boxcar-volume=..] [--boxcar-env=..] --boxcar-entrypoint=CMD [ARGS]
 *       a task: under a lock in the state directory, starts the holder if
 *       none runs (and its watchdog), then runs CMD ARGS in the holder's
 *       container (runner/join.h) with the task's SLURM and PMI variables;
 *       `FILE --boxcar-share=step [OPTIONS] [ARGS]` (public: srun without
 *       the plugin) does the same for the step it runs in, its command the
 *       image's (Entrypoint, then ARGS or Cmd);
 *   FILE --boxcar-hold=JOB.STEP [the task's --boxcar options]
 *       the holder (in a session of its own): a container named
 *       slurm-JOB.STEP (--rm, no kept layer) whose app is the packed file
 *       itself, idling;
 *   /proc/self/fd/N --boxcar-idle
 *       that app: deaf to signals until the watchdog kills it. Joining tasks take its
 *       environment, working directory, ids and namespaces. */
#ifndef BOXCAR_SHARED_H
#define BOXCAR_SHARED_H
#include "../common/err.h"
#include "../common/payload.h"
#include "options.h"

#define SHARED_IDLE "--boxcar-idle"

/* The idle app: returns only when signalled to stop (killed). */
int shared_idle(void);
/* o->hold: the holder's options (its name, --rm). 0, or -1 with e. */
int shared_hold_opts(struct run_opts *o, struct err *e);
/* o->join, or --boxcar-share=step (the step's key from Slurm's variables):
 * run the task's command (launch_command's) in the step's container,
 * starting it if none runs. Returns its exit status, or -1 with e. */
int shared_join(const struct payload *p, const struct run_opts *o, int argc, char **argv, struct err *e);

#endif
