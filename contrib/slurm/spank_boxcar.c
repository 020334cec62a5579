/* spank_boxcar: srun --boxcar=FILE runs each task's command inside a file
 * packed by boxcar (contrib/slurm/README.md, docs/hpc.md).
 *
 *   srun --boxcar=FILE [--boxcar-mount=SRC:DST[:ro][,...]] [--boxcar-env=NAME[=VALUE][,...]] CMD ARGS...
 *
 * Each task becomes, in its own process, the packed file run as
 *
 *   FILE --boxcar-join=JOB.STEP --boxcar-volume=SRC:DST... --boxcar-env=NAME[=VALUE]...
 *        --boxcar-entrypoint=CMD [--boxcar--] ARGS...
 *
 * with the step's environment: slurm_spank_task_init, the last callback
 * before slurmstepd's own execve, runs with the job user's ids only (after
 * become_user), and the plugin execs the file from there, so the task's pid,
 * stdio, environment, PMI socket and exit status stay Slurm's, and nothing
 * of boxcar ever runs with slurmstepd's privileges. The node's tasks of one
 * step share one container, as under pyxis: the first starts it, each joins
 * it, and it ends with the step (stub/shared.h, docs/hpc.md).
 *
 * Without --boxcar the plugin does nothing. An error is one line through
 * slurm_error and the task exits 125 (boxcar's own failure). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "spank_args.h"
#include "spank_env.h"

SPANK_PLUGIN(boxcar, 1);

#define EXIT_BOXCAR 125

static struct spank_args args;

/* Each option's value is checked where it is given (srun refuses a bad one
 * before the job starts) and again where the task runs (slurmstepd). */
static int add(enum spank_arg_kind kind, const char *optarg)
{
	char why[512];
	if (spank_args_add(&args, kind, optarg, why, sizeof why) < 0) {
		slurm_error("boxcar: %s", why);
		return -1;
	}
	return 0;
}

static int opt_file(int val, const char *optarg, int remote) { return add(SPANK_ARG_FILE, optarg); }
static int opt_mount(int val, const char *optarg, int remote) { return add(SPANK_ARG_MOUNT, optarg); }
static int opt_env(int val, const char *optarg, int remote) { return add(SPANK_ARG_ENV, optarg); }

struct spank_option spank_options[] = {
	{ "boxcar", "FILE", "run each task's command inside FILE, a file packed by boxcar",
	  1, 0, opt_file },
	{ "boxcar-mount", "SRC:DST[:ro][,...]", "bind SRC on the node to DST in the container (absolute paths; "
	  "several: separate them with commas)", 1, 0, opt_mount },
	{ "boxcar-env", "NAME[=VALUE][,...]", "set NAME in the container (NAME alone: its value "
	  "in srun's environment; several: separate them with commas)", 1, 0, opt_env },
	SPANK_OPTIONS_TABLE_END
};

/* In srun, once every option is read: mounts and variables without a
 * file would silently do nothing, so srun stops there. */
int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	if (spank_context() != S_CTX_LOCAL || args.file || !args.nopts)
		return 0;
	slurm_error("boxcar: --boxcar-mount and --boxcar-env need --boxcar=FILE (the packed file to run in)");
	return -1;
}

/* The task runs with the job user's ids, all of them, or not at all: a
 * plugin stack that called us before become_user must not run boxcar as
 * root for another user's job. */
static int check_ids(spank_t sp, char *why, size_t len)
{
	uid_t job_uid, r, e, s;
	if (spank_get_item(sp, S_JOB_UID, &job_uid) != ESPANK_SUCCESS)
		return snprintf(why, len, "cannot read the job's user id from Slurm"), -1;
	if (getresuid(&r, &e, &s) < 0)
		return snprintf(why, len, "getresuid: %s", strerror(errno)), -1;
	if (r != job_uid || e != job_uid || s != job_uid)
		return snprintf(why, len, "refusing to start: the task runs as uid %u/%u/%u (real/effective/"
				"saved), not only as the job's user %u (does a plugin before spank_boxcar.so "
				"in plugstack.conf change ids?)", (unsigned)r, (unsigned)e, (unsigned)s,
				(unsigned)job_uid), -1;
	return 0;
}

/* FILE as the error lines name it: with the task's working directory
 * (the job's) before a relative name, which is what it is relative to */
static const char *shown(const char *file, char *buf, size_t len)
{
	char cwd[PATH_MAX];
	if (file[0] == '/' || !getcwd(cwd, sizeof cwd))
		return file;
	int n = snprintf(buf, len, "%s (in %s)", file, cwd);
	return n > 0 && (size_t)n < len ? buf : file;
}

/* Open FILE (relative: to the task's working directory, the job's) and
 * check that it ends with a boxcar trailer, so that --boxcar never runs a
 * host program outside a container by mistake. Returns the fd or -1. */
static int open_packed(const char *file, char *why, size_t len)
{
	char name[PATH_MAX + 64];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	const char *bad = fd < 0 ? strerror(errno) : spank_args_check_trailer(fd);
	if (!bad)
		return fd;
	snprintf(why, len, "--boxcar=%s: %s", shown(file, name, sizeof name), bad);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Exec the packed file in this task's process: its argv from the task's,
 * its environment the task's without SLURM_RLIMIT_* (applied here, as
 * slurmstepd would after this callback). Returns only on failure. */
static int run_task(spank_t sp, char *why, size_t len)
{
	int argc = 0;
	char **argv = NULL, **env = NULL;
	const char *refused;
	if (check_ids(sp, why, len) < 0)
		return -1;
	if (spank_get_item(sp, S_JOB_ARGV, &argc, &argv) != ESPANK_SUCCESS || argc < 1 || !argv[0])
		return snprintf(why, len, "the task has no command to run in --boxcar=%s", args.file), -1;
	if (spank_get_item(sp, S_JOB_ENV, &env) != ESPANK_SUCCESS || !env)
		return snprintf(why, len, "cannot read the task's environment from Slurm"), -1;
	uint32_t job, step;
	char join[64];
	if (spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_STEPID, &step) != ESPANK_SUCCESS)
		return snprintf(why, len, "cannot read the job and step ids from Slurm"), -1;
	snprintf(join, sizeof join, "--boxcar-join=%u.%u", (unsigned)job, (unsigned)step);
	int fd = open_packed(args.file, why, len);
	if (fd < 0)
		return -1;
	char **cmd = spank_args_command(&args, join, argc, argv);
	char **task_env = cmd ? spank_env_task(env, &refused) : NULL;
	if (!task_env) {
		free(cmd);
		close(fd);
		return snprintf(why, len, "out of memory"), -1;
	}
	if (refused)   /* not fatal, as in slurmstepd */
		slurm_error("boxcar: cannot propagate RLIMIT_%s from srun: %s", refused, strerror(errno));
	fexecve(fd, cmd, task_env);
	snprintf(why, len, "cannot run --boxcar=%s: %s", args.file, strerror(errno));
	close(fd);
	free(cmd);
	free(task_env);
	return -1;
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	char why[PATH_MAX + 256];
	if (!args.file)
		return 0;
	if (run_task(sp, why, sizeof why) < 0) {
		/* one line, then the task ends as a launcher error: returning
		 * -1 would add slurmstepd's own line and exit 1 */
		slurm_error("boxcar: %s", why);
		_exit(EXIT_BOXCAR);
	}
	return 0;
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	spank_args_free(&args);
	return 0;
}
