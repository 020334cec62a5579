/* The plugin's options and the packed file's command line they become
 * (spank_boxcar.c is the Slurm side). No Slurm in here. */
#ifndef BOXCAR_SPANK_ARGS_H
#define BOXCAR_SPANK_ARGS_H
#include <stddef.h>

enum spank_arg_kind { SPANK_ARG_FILE, SPANK_ARG_MOUNT, SPANK_ARG_ENV };

struct spank_args {
	char *file;                 /* --boxcar=FILE; NULL: the plugin does nothing */
	char **opts;                /* "--boxcar-volume=..." / "--boxcar-env=...", in order */
	int nopts;
	int seen[3];                /* times each kind was given */
};

/* Check and record one option's value: FILE; SRC:DST[:ro|:rw][,...];
 * NAME[=VALUE][,...]. A second --boxcar-mount or --boxcar-env is refused:
 * Slurm would pass only the last one's value to the node. Returns 0, or -1
 * with one line in why. */
int spank_args_add(struct spank_args *a, enum spank_arg_kind kind, const char *val,
		   char *why, size_t len);

/* NULL when fd is a regular file ending with a boxcar trailer
 * (common/payload.h), else what is wrong with it. */
const char *spank_args_check_trailer(int fd);

/* The packed file's argv for the task's own argv (argc >= 1):
 * FILE, join (--boxcar-join=JOB.STEP) when not NULL, the options,
 * --boxcar-entrypoint=ARGV0, ARGV[1..] (after
 * --boxcar-- when ARGV[1] starts with --boxcar-).
 * One malloc'd array (its strings are the arguments' and a's); NULL when
 * out of memory. */
char **spank_args_command(const struct spank_args *a, char *join, int argc, char **argv);

void spank_args_free(struct spank_args *a);

#endif
