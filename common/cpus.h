/* How many cores this process may use: its affinity mask (taskset,
 * Slurm's cpusets), not every core online. */
#ifndef BOXCAR_CPUS_H
#define BOXCAR_CPUS_H

/* At least 1, at most max. */
int cpus_usable(int max);

#endif
