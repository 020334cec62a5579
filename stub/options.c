#include "options.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/log.h"
#include "../common/xio.h"
#include "userns.h"
#include "values.h"

#define PFX "--boxcar-"

int opts_volume(const char *spec, struct runner_volume *v, struct err *e)
{
	char *s = strdup(spec);
	if (!s)
		return err_set(e, EXIT_SETUP, "out of memory");
	char *ctr = strchr(s, ':');
	char *mode = ctr ? strchr(ctr + 1, ':') : NULL;
	if (ctr)
		*ctr++ = 0;
	if (mode)
		*mode++ = 0;
	if (!ctr || s[0] != '/' || ctr[0] != '/' ||
	    (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)) {
		free(s);
		return err_set(e, EXIT_SETUP, "bad volume '%s': use /HOST/PATH:/CONTAINER/PATH[:ro]", spec);
	}
	v->host = s;
	v->target = ctr;
	v->readonly = mode && strcmp(mode, "ro") == 0;
	return 0;
}

/* arr with room for one more element of `size` bytes (n in use; the new
 * one zeroed), or NULL with e set (arr is then unchanged). */
static void *grow(void *arr, int n, size_t size, struct err *e)
{
	char *na = realloc(arr, ((size_t)n + 1) * size);
	if (!na)
		return err_set(e, EXIT_SETUP, "out of memory"), NULL;
	memset(na + (size_t)n * size, 0, size);
	return na;
}

static int add_volume(struct run_opts *o, const char *spec, struct err *e)
{
	struct runner_volume *v = grow(o->vols, o->nvols, sizeof *v, e);
	if (!v)
		return -1;
	o->vols = v;
	if (opts_volume(spec, &v[o->nvols], e) < 0)
		return -1;
	o->nvols++;
	return 0;
}

static int add_tmpfs(struct run_opts *o, const char *path, struct err *e)
{
	if (path[0] != '/')
		return err_set(e, EXIT_SETUP, "--boxcar-tmpfs needs an absolute path, not '%s'", path);
	char **t = grow(o->tmpfs, o->ntmpfs, sizeof *t, e);
	if (!t)
		return -1;
	o->tmpfs = t;
	t[o->ntmpfs++] = (char *)path;
	return 0;
}

static int add_ulimit(struct run_opts *o, const char *spec, struct err *e)
{
	struct runner_rlimit *r = grow(o->rlimits, o->nrlimits, sizeof *r, e);
	if (!r)
		return -1;
	o->rlimits = r;
	if (value_ulimit(spec, &r[o->nrlimits], e) < 0)
		return err_ctx(e, "--boxcar-ulimit");
	o->nrlimits++;
	return 0;
}

static int add_port(struct run_opts *o, const char *spec, struct err *e)
{
	struct runner_port *p = grow(o->ports, o->nports, sizeof *p, e);
	if (!p)
		return -1;
	o->ports = p;
	if (value_publish(spec, &p[o->nports], e) < 0)
		return -1;
	o->nports++;
	return 0;
}

/* Publishing needs the container's own network: it is implied when no
 * --boxcar-net is given, refused with host or none. */
int opts_network(struct run_opts *o, struct err *e)
{
	if (o->nports && o->net == RUNNER_NET_HOST)
		return err_set(e, EXIT_SETUP, "--boxcar-publish needs the container's own network: with "
			       "--boxcar-net=host its ports are the host's already; use --boxcar-net=private");
	if (o->nports && o->net == RUNNER_NET_NONE)
		return err_set(e, EXIT_SETUP, "--boxcar-publish cannot reach a container with --boxcar-net=none; "
			       "use --boxcar-net=private");
	if (o->net < 0)
		o->net = o->nports ? RUNNER_NET_PRIVATE : RUNNER_NET_HOST;
	return 0;
}

static int add_env(struct run_opts *o, const char *kv, struct err *e)
{
	const char **ne = grow(o->env, o->nenv, sizeof *ne, e);
	if (!ne)
		return -1;
	o->env = ne;
	if (!*kv || *kv == '=')
		return err_set(e, EXIT_SETUP, "bad environment variable '%s': use NAME=VALUE", kv);
	o->env[o->nenv++] = kv;
	return 0;
}

/* --boxcar-security-opt: docker's seccomp=unconfined and no-new-privileges */
static int security_opt(struct run_opts *o, const char *v, struct err *e)
{
	if (!strcmp(v, "seccomp=unconfined") || !strcmp(v, "seccomp:unconfined"))
		o->sec.seccomp = 0;
	else if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8)) {
		free((char *)o->sec.profile);
		o->sec.profile_name = v + 8;
		o->sec.profile = read_file_at(AT_FDCWD, v + 8, 1 << 22, &o->sec.profile_len);
		if (!o->sec.profile)
			return err_sys(e, EXIT_SETUP, "cannot read seccomp profile %s", v + 8);
	}
	else if (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges=true") ||
		 !strcmp(v, "no-new-privileges:true"))
		o->sec.no_new_privs = 1;
	else if (!strcmp(v, "no-new-privileges=false") || !strcmp(v, "no-new-privileges:false"))
		o->sec.no_new_privs = 0;
	else
		return err_set(e, EXIT_SETUP, "unsupported --boxcar-security-opt '%s' (supported: "
			       "seccomp=unconfined, seccomp=FILE.json, no-new-privileges[=true|false])", v);
	return 0;
}

/* The setters of the table below (val is NULL for a flag); the simple ones
 * are one statement each. */
#define SETTER(fn, stmt) \
	static int fn(struct run_opts *o, const char *val, struct err *e) { (void)val, (void)e; stmt; return 0; }
SETTER(set_help, o->help = 1)
SETTER(set_version, o->version = 1)
SETTER(set_inspect, o->inspect = 1)
SETTER(set_verify_cache, o->verify_cache = 1)
SETTER(set_doctor, o->doctor = 1)
SETTER(set_read_only, o->read_only = 1)
SETTER(set_fakeroot, o->sec.fakeroot = 1)
SETTER(set_detach, o->detach = 1)
SETTER(set_rm, o->rm = 1)
SETTER(set_quiet, log_level = LOG_QUIET)
SETTER(set_verbose, log_level = LOG_VERBOSE)
SETTER(set_entrypoint, o->entrypoint = val)
SETTER(set_user, o->user = val)
SETTER(set_name, o->name = val)
SETTER(set_extract, o->extract = val)
SETTER(set_join, o->join = val)
SETTER(set_hold, o->hold = val)
SETTER(set_cache_prune, o->cache_prune = val ? val : "")
SETTER(set_cache_seed, o->cache_seed = val)
#undef SETTER

static int set_workdir(struct run_opts *o, const char *val, struct err *e)
{
	if (val[0] != '/')
		return err_set(e, EXIT_SETUP, "--boxcar-workdir must be an absolute path, not '%s'", val);
	o->workdir = val;
	return 0;
}

static int set_hostname(struct run_opts *o, const char *val, struct err *e)
{
	if (!*val || strlen(val) > 64 || strchr(val, '/'))
		return err_set(e, EXIT_SETUP, "bad --boxcar-hostname '%s' (1 to 64 characters, no '/')", val);
	o->hostname = val;
	return 0;
}

static int set_caps(struct run_opts *o, const char *val, int add, struct err *e)
{
	uint64_t m = security_cap_mask(val);
	if (!m)
		return err_set(e, EXIT_SETUP, "unknown capability '%s' (use names like NET_ADMIN, or ALL)", val);
	o->sec.caps = add ? o->sec.caps | m : o->sec.caps & ~m;
	return 0;
}
static int set_cap_add(struct run_opts *o, const char *val, struct err *e) { return set_caps(o, val, 1, e); }
static int set_cap_drop(struct run_opts *o, const char *val, struct err *e) { return set_caps(o, val, 0, e); }

static int set_share(struct run_opts *o, const char *val, struct err *e)
{
	if (strcmp(val, "step"))
		return err_set(e, EXIT_SETUP, "bad --boxcar-share '%s' (step: the node's tasks of a Slurm job step)", val);
	o->share = 1;
	return 0;
}

static int set_ipc(struct run_opts *o, const char *val, struct err *e)
{
	if ((o->ipc = value_ipc(val)) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-ipc '%s' (host or private)", val);
	return 0;
}

static int set_net(struct run_opts *o, const char *val, struct err *e)
{
	if ((o->net = value_net(val)) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-net '%s' (host, none or private)", val);
	return 0;
}

static int set_memory(struct run_opts *o, const char *val, struct err *e)
{
	if (value_size(val, &o->limits.memory) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-memory '%s' (bytes, or a number with k, m or g)", val);
	return 0;
}

static int set_cpus(struct run_opts *o, const char *val, struct err *e)
{
	if (value_cpus(val, &o->limits.cpu_millis) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-cpus '%s' (a number of CPUs, e.g. 1.5)", val);
	return 0;
}

static int set_pids_limit(struct run_opts *o, const char *val, struct err *e)
{
	if (value_size(val, &o->limits.pids) < 0 || strspn(val, "0123456789") != strlen(val))
		return err_set(e, EXIT_SETUP, "bad --boxcar-pids-limit '%s' (a positive number)", val);
	return 0;
}

static int set_userns(struct run_opts *o, const char *val, struct err *e)
{
	if ((o->userns = userns_parse(val)) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-userns '%s' (auto, subids, root or keep-id)", val);
	return 0;
}

static int set_gpu(struct run_opts *o, const char *val, struct err *e)
{
	o->gpu = val ? val : "";
	return 0;
}

static int set_root(struct run_opts *o, const char *val, struct err *e)
{
	static const char *const names[] = { "auto", "overlay", "flat" };
	for (int i = 0; i < 3; i++)
		if (!strcmp(val, names[i]))
			return o->root = i, 0;
	return err_set(e, EXIT_SETUP, "bad --boxcar-root '%s' (auto, overlay or flat)", val);
}

static int set_engine(struct run_opts *o, const char *val, struct err *e)
{
	static const char *const names[] = { "auto", "ns", "trace" };
	for (int i = 0; i < 3; i++)
		if (!strcmp(val, names[i]))
			return o->engine = i, 0;
	return err_set(e, EXIT_SETUP, "bad --boxcar-engine '%s' (auto, ns or trace)", val);
}

/* Every --boxcar- option, once: the parser, --boxcar-help and `boxcar
 * run`'s docker spellings all read this table (README's table lists the
 * same names; a test checks). */
const struct opt_def opt_table[] = {
	{ "env", OPT_VALUE, "NAME=VALUE", "-e --env", add_env,
	  "set an environment variable (NAME alone: the host's value)" },
	{ "volume", OPT_VALUE, "HOST:CTR[:ro]", "-v --volume", add_volume, "bind a host path into the container" },
	{ "workdir", OPT_VALUE, "DIR", "-w --workdir", set_workdir, "working directory inside the container" },
	{ "entrypoint", OPT_VALUE, "PROG", "--entrypoint", set_entrypoint,
	  "replace the image's entrypoint (and its Cmd)" },
	{ "user", OPT_VALUE, "USER[:GROUP]", "-u --user", set_user, "run as this user (name or id in the image)" },
	{ "userns", OPT_VALUE, "MODE", "--userns", set_userns, "id map: auto (default), subids, root, keep-id" },
	{ "fakeroot", OPT_FLAG, NULL, NULL, set_fakeroot, "owner and id changes succeed without effect (seccomp)" },
	{ "ulimit", OPT_VALUE, "NAME=SOFT[:HARD]", "--ulimit", add_ulimit,
	  "a resource limit, as docker run --ulimit (nofile=1024)" },
	{ "net", OPT_VALUE, "host|none|private", "--net --network", set_net,
	  "the host's network (default), loopback only, or loopback plus published ports" },
	{ "ipc", OPT_VALUE, "host|private", "--ipc", set_ipc,
	  "the host's IPC namespace and /dev/shm (default in a Slurm job), or the container's own" },
	{ "share", OPT_VALUE, "step", NULL, set_share,
	  "in a Slurm job step, the node's tasks share one container (one PID namespace: MPI's single-copy "
	  "transfers), as srun --boxcar does" },
	{ "publish", OPT_VALUE, "[IP:]HOSTPORT:CTRPORT[/udp]", "-p --publish", add_port,
	  "relay a host port into the container (implies --boxcar-net=private)" },
	{ "memory", OPT_VALUE, "SIZE", "-m --memory", set_memory, "cgroup v2 memory limit (a delegated subtree)" },
	{ "cpus", OPT_VALUE, "N", "--cpus", set_cpus, "cgroup v2 CPU limit, e.g. 1.5" },
	{ "pids-limit", OPT_VALUE, "N", "--pids-limit", set_pids_limit, "cgroup v2 limit on processes" },
	{ "cap-add", OPT_VALUE, "CAP", "--cap-add", set_cap_add, "add to Docker's default capabilities (ALL works)" },
	{ "cap-drop", OPT_VALUE, "CAP", "--cap-drop", set_cap_drop, "drop from Docker's default capabilities" },
	{ "root", OPT_VALUE, "auto|overlay|flat", NULL, set_root,
	  "overlayfs with a writable layer, or the merged image read-only; auto: overlay where it mounts" },
	{ "gpu", OPT_OPTIONAL, "all|LIST", NULL, set_gpu,
	  "NVIDIA GPUs with their driver's libraries and tools (default: the job's GPUs)" },
	{ "engine", OPT_VALUE, "auto|ns|trace", NULL, set_engine,
	  "namespaces, or ptrace path translation on the flat root where they are denied; auto: ns where it works" },
	{ "read-only", OPT_FLAG, NULL, "--read-only", set_read_only, "read-only root file system" },
	{ "tmpfs", OPT_VALUE, "PATH", "--tmpfs", add_tmpfs, "a fresh tmpfs at PATH" },
	{ "hostname", OPT_VALUE, "NAME", "-h --hostname", set_hostname,
	  "the container's hostname (default: the host's)" },
	{ "security-opt", OPT_VALUE, "OPT", "--security-opt", security_opt,
	  "seccomp=unconfined, seccomp=FILE.json, no-new-privileges[=false]" },
	{ "detach", OPT_FLAG, NULL, "-d --detach", set_detach,
	  "run in the background: print the container id, log its output (boxcar ps, logs, stop, rm)" },
	{ "name", OPT_VALUE, "NAME", "--name", set_name,
	  "name the container (unique); a named one keeps its writable layer (boxcar start, diff, commit)" },
	{ "rm", OPT_FLAG, NULL, "--rm", set_rm, "forget the container (and its writable layer) when it ends" },
	{ "inspect", OPT_FLAG, NULL, NULL, set_inspect, "print the image config and layers as JSON" },
	{ "extract", OPT_VALUE, "DIR", NULL, set_extract, "write the image's root file system into DIR" },
	{ "verify-cache", OPT_FLAG, NULL, NULL, set_verify_cache, "re-check this file's cached layers" },
	{ "cache-prune", OPT_OPTIONAL, "AGE|all", NULL, set_cache_prune,
	  "remove cached layers unused for AGE (default 30d)" },
	{ "cache-seed", OPT_VALUE, "DIR", NULL, set_cache_seed,
	  "extract the layers into DIR, a read-only cache to publish (BOXCAR_CACHE_RO=DIR)" },
	{ "doctor", OPT_FLAG, NULL, NULL, set_doctor, "check that this host can run it (namespaces, overlayfs, cache)" },
	{ "quiet", OPT_FLAG, NULL, "-q --quiet", set_quiet, "no progress lines" },
	{ "verbose", OPT_FLAG, NULL, NULL, set_verbose, "more diagnostics on stderr" },
	{ "version", OPT_FLAG, NULL, NULL, set_version, "boxcar's version and its libraries' versions" },
	{ "help", OPT_FLAG, NULL, NULL, set_help, "this help" },
	/* hidden (no help): the SPANK plugin's shared container (stub/shared.h) */
	{ "join", OPT_VALUE, "JOB.STEP", NULL, set_join, NULL },
	{ "hold", OPT_VALUE, "JOB.STEP", NULL, set_hold, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL },
};

const struct opt_def *opt_find(const char *name, size_t n)
{
	for (const struct opt_def *d = opt_table; d->name; d++)
		if (strlen(d->name) == n && !strncmp(d->name, name, n))
			return d;
	return NULL;
}

/* One --boxcar-NAME[=VALUE] option. */
static int parse_one(struct run_opts *o, const char *arg, struct err *e)
{
	const char *name = arg + strlen(PFX), *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const char *val = eq ? eq + 1 : NULL;
	const struct opt_def *d = opt_find(name, n);
	if (!d)
		return err_set(e, EXIT_SETUP, "unknown option '%s'; see --boxcar-help", arg);
	if (d->arg == OPT_FLAG && val)
		return err_set(e, EXIT_SETUP, "option %.*s takes no value", (int)(n + strlen(PFX)), arg);
	if (d->arg == OPT_VALUE && !val)
		return err_set(e, EXIT_SETUP, "option %s needs a value (%s=VALUE)", arg, arg);
	return d->set(o, val, e);
}

void opts_help(FILE *f)
{
	for (const struct opt_def *d = opt_table; d->name; d++) {
		char head[80];
		if (!d->help)
			continue;
		snprintf(head, sizeof head, PFX "%s%s%s%s%s", d->name, d->arg == OPT_OPTIONAL ? "[" : "",
			 d->meta ? "=" : "", d->meta ? d->meta : "", d->arg == OPT_OPTIONAL ? "]" : "");
		if (strlen(head) < 28)
			fprintf(f, "  %-28s%s\n", head, d->help);
		else
			fprintf(f, "  %s\n%30s%s\n", head, "", d->help);
	}
}

int opts_parse(int argc, char **argv, struct run_opts *o, struct err *e)
{
	memset(o, 0, sizeof *o);
	o->net = -1;
	o->ipc = -1;
	o->sec = (struct security){ .seccomp = 1, .no_new_privs = 1, .caps = security_default_caps };
	const char *root = getenv("BOXCAR_ROOT");
	if (root && *root && set_root(o, root, e) < 0)
		return err_ctx(e, "BOXCAR_ROOT");
	int i = 1;
	for (; i < argc && strncmp(argv[i], PFX, strlen(PFX)) == 0; i++) {
		if (strcmp(argv[i], PFX "-") == 0) {   /* --boxcar--: the app's args follow */
			i++;
			break;
		}
		if (parse_one(o, argv[i], e) < 0)
			return -1;
	}
	o->args = argv + i;
	o->nargs = argc - i;
	return opts_network(o, e);
}

void opts_free(struct run_opts *o)
{
	free(o->rlimits);
	free(o->ports);
	free((char *)o->sec.profile);
	for (int i = 0; i < o->nvols; i++)
		free((char *)o->vols[i].host);
	free(o->vols);
	free(o->env);
	free(o->tmpfs);
}
