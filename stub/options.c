#include "options.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "../common/log.h"
#include "../common/xio.h"
#include "userns.h"

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
	if (rlimit_parse(spec, &r[o->nrlimits], e) < 0)
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
	if (relay_parse(spec, &p[o->nports], e) < 0)
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

/* One --boxcar-NAME[=VALUE] option. */
static int parse_one(struct run_opts *o, const char *arg, struct err *e)
{
	const char *name = arg + strlen(PFX);
	const char *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const char *val = eq ? eq + 1 : NULL;
#define IS(s) (n == strlen(s) && strncmp(name, s, n) == 0)
	if (IS("cache-prune")) {   /* optional value: DURATION or "all" */
		o->cache_prune = val ? val : "";
		return 0;
	}
	if (IS("help") || IS("version") || IS("inspect") || IS("quiet") || IS("verbose") ||
	    IS("verify-cache") || IS("doctor") || IS("read-only") || IS("fakeroot") || IS("detach") ||
	    IS("rm")) {
		if (val)
			return err_set(e, EXIT_SETUP, "option %.*s takes no value", (int)(n + strlen(PFX)), arg);
		if (IS("help")) o->help = 1;
		if (IS("version")) o->version = 1;
		if (IS("inspect")) o->inspect = 1;
		if (IS("verify-cache")) o->verify_cache = 1;
		if (IS("doctor")) o->doctor = 1;
		if (IS("read-only")) o->read_only = 1;
		if (IS("fakeroot")) o->sec.fakeroot = 1;
		if (IS("detach")) o->detach = 1;
		if (IS("rm")) o->rm = 1;
		if (IS("quiet")) log_level = LOG_QUIET;
		if (IS("verbose")) log_level = LOG_VERBOSE;
		return 0;
	}
	if (!(IS("env") || IS("volume") || IS("workdir") || IS("entrypoint") || IS("user") || IS("extract") ||
	      IS("security-opt") || IS("cap-add") || IS("cap-drop") || IS("tmpfs") || IS("hostname") ||
	      IS("userns") || IS("ulimit") || IS("memory") || IS("cpus") || IS("pids-limit") ||
	      IS("net") || IS("publish") || IS("name")))
		return err_set(e, EXIT_SETUP, "unknown option '%s'; see --boxcar-help", arg);
	if (!val)
		return err_set(e, EXIT_SETUP, "option %s needs a value (%s=VALUE)", arg, arg);
	if (IS("env"))
		return add_env(o, val, e);
	if (IS("security-opt"))
		return security_opt(o, val, e);
	if (IS("tmpfs"))
		return add_tmpfs(o, val, e);
	if (IS("hostname") && (!*val || strlen(val) > 64 || strchr(val, '/')))
		return err_set(e, EXIT_SETUP, "bad --boxcar-hostname '%s' (1 to 64 characters, no '/')", val);
	if (IS("cap-add") || IS("cap-drop")) {
		uint64_t m = security_cap_mask(val);
		if (!m)
			return err_set(e, EXIT_SETUP, "unknown capability '%s' (use names like NET_ADMIN, or ALL)", val);
		o->sec.caps = IS("cap-add") ? o->sec.caps | m : o->sec.caps & ~m;
		return 0;
	}
	if (IS("volume"))
		return add_volume(o, val, e);
	if (IS("ulimit"))
		return add_ulimit(o, val, e);
	if (IS("publish"))
		return add_port(o, val, e);
	if (IS("net") && (o->net = net_parse(val)) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-net '%s' (host, none or private)", val);
	if (IS("memory") && cgroup_parse_size(val, &o->limits.memory) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-memory '%s' (bytes, or a number with k, m or g)", val);
	if (IS("cpus") && cgroup_parse_cpus(val, &o->limits.cpu_millis) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-cpus '%s' (a number of CPUs, e.g. 1.5)", val);
	if (IS("pids-limit") && (cgroup_parse_size(val, &o->limits.pids) < 0 || strspn(val, "0123456789") != strlen(val)))
		return err_set(e, EXIT_SETUP, "bad --boxcar-pids-limit '%s' (a positive number)", val);
	if (IS("userns") && (o->userns = userns_parse(val)) < 0)
		return err_set(e, EXIT_SETUP, "bad --boxcar-userns '%s' (auto, subids, root or keep-id)", val);
	if (IS("workdir") && val[0] != '/')
		return err_set(e, EXIT_SETUP, "--boxcar-workdir must be an absolute path, not '%s'", val);
	if (IS("workdir")) o->workdir = val;
	if (IS("entrypoint")) o->entrypoint = val;
	if (IS("user")) o->user = val;
	if (IS("hostname")) o->hostname = val;
	if (IS("name")) o->name = val;
	if (IS("extract")) o->extract = val;
#undef IS
	return 0;
}

int opts_parse(int argc, char **argv, struct run_opts *o, struct err *e)
{
	memset(o, 0, sizeof *o);
	o->net = -1;
	o->sec = (struct security){ .seccomp = 1, .no_new_privs = 1, .caps = security_default_caps };
	int i = 1;
	for (; i < argc && strncmp(argv[i], PFX, strlen(PFX)) == 0; i++)
		if (parse_one(o, argv[i], e) < 0)
			return -1;
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
