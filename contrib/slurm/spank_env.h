/* The task's environment and limits as slurmstepd would set them before its
 * own execve, which the plugin's exec from task_init replaces: the limits
 * srun propagated (SLURM_RLIMIT_*) become this process's soft limits, and
 * those variables leave the environment. No Slurm in here. */
#ifndef BOXCAR_SPANK_ENV_H
#define BOXCAR_SPANK_ENV_H

/* A copy of env (NULL-terminated) without SLURM_RLIMIT_*, each of which is
 * applied as slurmstepd does: "[U]VALUE" sets the soft limit (the hard one
 * too where it is lower and we may raise it). A limit that cannot be set
 * is reported in *refused (the first one's name, NULL when none) only when
 * srun --propagate asked for it ('U'), as Slurm does. Returns a malloc'd
 * array of env's strings, or NULL when out of memory. */
char **spank_env_task(char **env, const char **refused);

#endif
