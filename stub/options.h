/* The packed file's own command line: leading --boxcar-* options, then the
 * arguments for the entrypoint, untouched. */
#ifndef BOXCAR_OPTIONS_H
#define BOXCAR_OPTIONS_H
#include <stdio.h>
#include "../common/err.h"
#include "../runner/runner.h"

struct run_opts {
	const char **env;            /* K=V or K (take the host's value) */
	int nenv;
	struct runner_volume *vols;
	int nvols;
	const char *workdir, *entrypoint, *user, *extract, *hostname;
	char **tmpfs;                /* --boxcar-tmpfs paths */
	int ntmpfs;
	int read_only;
	const char *gpu;             /* --boxcar-gpu: NULL (none), "" (the job's), "all" or a list */
	int detach;                  /* --boxcar-detach */
	int rm;                      /* --boxcar-rm: no record or kept layer after it ends */
	const char *name;            /* --boxcar-name */
	const char *join, *hold;     /* hidden: the SPANK plugin's shared container (shared.h) */
	int share;                   /* --boxcar-share=step: that container without the plugin */
	int userns;                  /* enum userns_mode (userns.h) */
	int root;                    /* enum root_mode: --boxcar-root, else $BOXCAR_ROOT */
	int engine;                  /* enum engine_mode: --boxcar-engine */
	struct runner_rlimit *rlimits;   /* --boxcar-ulimit */
	struct cgroup_limits limits;     /* --boxcar-memory, -cpus, -pids-limit */
	int net;                         /* enum runner_net; -1: not given */
	int ipc;                         /* enum runner_ipc; -1: not given (host in a Slurm job) */
	struct runner_port *ports;       /* --boxcar-publish */
	int nports;
	int nrlimits;
	int help, version, inspect, verify_cache, doctor;
	struct security sec;         /* Docker's defaults, then the options' changes */
	const char *cache_seed;      /* --boxcar-cache-seed=DIR (seed.h) */
	const char *cache_prune;     /* "" (default age), DURATION or "all" */
	char **args;                 /* replace the image's Cmd when nargs > 0 */
	int nargs;
};

/* The container's root: overlayfs with a writable layer, or the flat
 * read-only tree (flatroot.h); auto takes overlay where it mounts. */
enum root_mode { ROOT_AUTO, ROOT_OVERLAY, ROOT_FLAT };
/* What runs the container: namespaces (runner.h), or, with none, the
 * trace engine on the flat root (runner/trace.h); auto takes the trace
 * engine only where namespaces are denied. */
enum engine_mode { ENGINE_AUTO, ENGINE_NS, ENGINE_TRACE };

/* The table of --boxcar- options (options.c), ended by a NULL name. */
enum opt_arg { OPT_FLAG, OPT_VALUE, OPT_OPTIONAL };
struct opt_def {
	const char *name;        /* after "--boxcar-" */
	enum opt_arg arg;
	const char *meta;        /* the value's form in the help ("DIR"); NULL for a flag */
	const char *docker;      /* docker run's spellings, space-separated ("-e --env"); NULL: none */
	int (*set)(struct run_opts *o, const char *val, struct err *e);
	const char *help;
};
extern const struct opt_def opt_table[];
/* The option named by name[0..n), or NULL. */
const struct opt_def *opt_find(const char *name, size_t n);
/* One help line per option. */
void opts_help(FILE *f);

/* Parse argv (argv[0] is the program). Errors name the bad option. */
int opts_parse(int argc, char **argv, struct run_opts *o, struct err *e);
int opts_network(struct run_opts *o, struct err *e);
void opts_free(struct run_opts *o);
/* Parse "HOST:CTR[:ro|:rw]" into v (strings malloc'd). */
int opts_volume(const char *spec, struct runner_volume *v, struct err *e);

#endif
