#include "launch.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../runner/init.h"
#include "../runner/runner.h"
#include "../runner/trace.h"
#include "flatroot.h"
#include "gpu.h"
#include "hpc.h"
#include "shared.h"
#include "user.h"

/* A growable NULL-terminated string vector (strings borrowed). */
struct strv {
	char **v;
	int n;
};

static int strv_push(struct strv *s, const char *str)
{
	char **nv = realloc(s->v, ((size_t)s->n + 2) * sizeof *nv);
	if (!nv)
		return -1;
	s->v = nv;
	s->v[s->n++] = (char *)str;
	s->v[s->n] = NULL;
	return 0;
}

/* Set NAME=VALUE, replacing an earlier NAME. */
static int env_set(struct strv *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (int i = 0; i < env->n; i++)
		if (strncmp(env->v[i], kv, klen) == 0 && env->v[i][klen] == '=') {
			env->v[i] = (char *)kv;
			return 0;
		}
	return strv_push(env, kv);
}

/* NAME's value, or NULL when unset. */
static const char *env_get(const struct strv *env, const char *key)
{
	size_t k = strlen(key);
	for (int i = 0; i < env->n; i++)
		if (strncmp(env->v[i], key, k) == 0 && env->v[i][k] == '=')
			return env->v[i] + k + 1;
	return NULL;
}

/* Is dir one of the list's colon-separated entries? */
static int list_has(const char *list, const char *dir)
{
	size_t n = strlen(dir);
	for (const char *p = list; p; p = strchr(p, ':'), p = p ? p + 1 : NULL)
		if (!strncmp(p, dir, n) && (p[n] == ':' || p[n] == 0))
			return 1;
	return 0;
}

static char *cat3(struct strv *owned, const char *a, const char *b, const char *c);

/* --boxcar-gpu: the driver's libraries first on LD_LIBRARY_PATH (they
 * must be the host's), its tools last on PATH, unless named already (as
 * NVIDIA's CUDA images name them). */
static int gpu_env(struct strv *env, struct strv *owned, struct err *e)
{
	const char *lib = env_get(env, "LD_LIBRARY_PATH"), *path = env_get(env, "PATH");
	int ok = 1;
	if (!lib || !*lib)
		ok = env_set(env, "LD_LIBRARY_PATH=" GPU_LIB) == 0;
	else if (!list_has(lib, GPU_LIB))
		ok = env_set(env, cat3(owned, "LD_LIBRARY_PATH=" GPU_LIB ":", lib, "")) == 0;
	if (ok && path && !list_has(path, GPU_BIN))
		ok = env_set(env, cat3(owned, "PATH=", path, ":" GPU_BIN)) == 0;
	return ok ? 0 : err_set(e, EXIT_SETUP, "out of memory");
}

/* a + b + c, malloc'd and remembered in `owned` (freed after the run) */
static char *cat3(struct strv *owned, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *str = malloc(la + lb + lc + 1);
	if (!str)
		return NULL;
	memcpy(str, a, la);
	memcpy(str + la, b, lb);
	memcpy(str + la + lb, c, lc + 1);
	if (strv_push(owned, str) == 0)
		return str;
	free(str);
	return NULL;
}

extern char **environ;

/* Image Env, then in a Slurm job the caller's SLURM* and PMI* (hpc.h),
 * then -e overrides ("K" alone takes the host's value), then what docker
 * adds when missing: PATH, HOME, HOSTNAME, TERM on a tty. */
static int build_env(const cJSON *cfg, const struct run_opts *o, const struct user_info *u,
		     const char *host, struct strv *env, struct strv *owned, struct err *e)
{
	const char **img = json_strv(cfg, "Env");
	if (!img)
		return err_set(e, EXIT_SETUP, "image config has a bad Env");
	int ok = 1;
	for (int i = 0; ok && img[i]; i++)
		ok = strchr(img[i], '=') ? env_set(env, img[i]) == 0 : 1;
	free(img);
	for (char **h = hpc_under_slurm() ? environ : NULL; ok && h && *h; h++)
		ok = hpc_env_passed(*h) ? env_set(env, *h) == 0 : 1;
	for (int i = 0; ok && i < o->nenv; i++) {
		const char *kv = o->env[i];
		if (!strchr(kv, '=')) {
			const char *v = getenv(kv);
			if (!v)
				continue;
			kv = cat3(owned, kv, "=", v);
		}
		ok = kv && env_set(env, kv) == 0;
	}
	if (ok && !env_get(env, "PATH"))
		ok = env_set(env, "PATH=" DEFAULT_PATH) == 0;
	if (ok && !env_get(env, "HOSTNAME"))
		ok = env_set(env, cat3(owned, "HOSTNAME=", host, "")) == 0;
	if (ok && !env_get(env, "HOME"))
		ok = env_set(env, cat3(owned, "HOME=", u->home[0] ? u->home : u->uid == 0 ? "/root" : "/", "")) == 0;
	if (ok && !env_get(env, "TERM") && isatty(0) && getenv("TERM"))
		ok = env_set(env, cat3(owned, "TERM=", getenv("TERM"), "")) == 0;
	return ok ? 0 : err_set(e, EXIT_SETUP, "out of memory");
}

/* Entrypoint + Cmd, with docker's rules: arguments replace Cmd; an
 * entrypoint override also drops the image's Cmd. */
static int build_argv(const cJSON *cfg, const struct run_opts *o, const char *idle, struct strv *argv,
		      struct err *e)
{
	if (idle)   /* the shared container's holder: the packed file idles (shared.h) */
		return strv_push(argv, idle) == 0 && strv_push(argv, SHARED_IDLE) == 0 ? 0
			: err_set(e, EXIT_SETUP, "out of memory");
	const char **ep = json_strv(cfg, "Entrypoint"), **cmd = json_strv(cfg, "Cmd");
	int ok = ep && cmd;
	if (ok && o->entrypoint) {
		ok = strv_push(argv, o->entrypoint) == 0;
	} else
		for (int i = 0; ok && ep[i]; i++)
			ok = strv_push(argv, ep[i]) == 0;
	if (o->nargs)
		for (int i = 0; ok && i < o->nargs; i++)
			ok = strv_push(argv, o->args[i]) == 0;
	else if (!o->entrypoint)
		for (int i = 0; ok && cmd[i]; i++)
			ok = strv_push(argv, cmd[i]) == 0;
	free(ep);
	free(cmd);
	if (!ok)
		return err_set(e, EXIT_SETUP, "image config has a bad Entrypoint or Cmd");
	if (argv->n == 0 || !argv->v[0][0])
		return err_set(e, EXIT_SETUP, "no command: the image has no Entrypoint or Cmd; give one as arguments");
	return 0;
}

char **launch_command(const struct payload *p, const struct run_opts *o, struct err *e)
{
	struct strv argv = { 0 };
	if (build_argv(cJSON_GetObjectItemCaseSensitive(p->config, "config"), o, NULL, &argv, e) < 0) {
		free(argv.v);
		return NULL;
	}
	return argv.v;
}

/* Each layer's directory (topmost first), as a path for the overlay and
 * as an fd for reading the image's /etc/passwd. */
/* The image's Volumes: {"/data": {}, ...} -> absolute paths */
static int image_volumes(const cJSON *cfg, struct strv *out, struct err *e)
{
	const cJSON *v, *vols = cJSON_GetObjectItemCaseSensitive(cfg, "Volumes");
	if (!cJSON_IsObject(vols))
		return 0;
	cJSON_ArrayForEach(v, vols) {
		if (!v->string || v->string[0] != '/')
			continue;
		if (strv_push(out, v->string) < 0)
			return err_set(e, EXIT_SETUP, "out of memory");
	}
	return 0;
}

/* The image's StopSignal ("SIGQUIT", "QUIT" or "3"); 0 when unset. */
static int stop_signal(const cJSON *cfg, struct err *e)
{
	const char *s = json_str(cfg, "StopSignal");
	if (!s || !*s)
		return 0;
	int sig = init_signal_number(s);
	return sig > 0 ? sig : err_set(e, EXIT_SETUP, "image config has an unknown StopSignal '%s'", s);
}

static int open_layers(const struct payload *p, const struct cache *c, int *fds,
		       char **paths, struct err *e)
{
	for (int i = 0; i < p->nlayers; i++) {
		const struct payload_layer *l = &p->layers[p->nlayers - 1 - i];
		if (!(paths[i] = cache_layer_path(c, l)))
			return err_set(e, EXIT_SETUP, "out of memory");
		fds[i] = open(paths[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fds[i] < 0)
			return err_sys(e, EXIT_SETUP, "open cached layer %s", paths[i]);
	}
	return 0;
}

/* Whose ids the process gets: the image's User (or --boxcar-user), or
 * with keep-id the caller's own. */
static int resolve_user(const cJSON *cfg, const struct run_opts *o, const struct userns *ns,
			const int *fds, int n, struct user_info *u, struct err *e)
{
	char self[32];
	const char *user = o->user ? o->user : json_str(cfg, "User");
	if (o->userns == USERNS_KEEPID) {   /* (real root: the identity map, as root) */
		if (o->user)
			return err_set(e, EXIT_SETUP, "--boxcar-user cannot be combined with --boxcar-userns=keep-id "
				       "(which runs as yourself)");
		snprintf(self, sizeof self, "%u:%u", (unsigned)getuid(), (unsigned)getgid());
		user = self;
	}
	if (user_resolve(user, fds, n, u, e) < 0)
		return -1;
	if (ns->mode == USERNS_ROOT || ns->mode == USERNS_KEEPID)
		u->ngroups = 0;   /* one id mapped: setgroups is denied */
	return 0;
}

/* One id mapped and the program failed: often an image that changes
 * users or file owners. Say why only one id is mapped and what would let
 * it run. */
static void hint_single_map(const struct userns *ns, const struct user_info *u, int rc)
{
	if (rc <= 0 || rc >= 125 || ns->mode != USERNS_ROOT || u->uid != 0)
		return;
	if (!ns->automatic) {
		log_info("note: --boxcar-userns=root maps one user id; if the program failed switching users "
			 "or changing owners, run without it (subordinate ids) or try --boxcar-fakeroot");
		return;
	}
	log_info("note: only one user id is mapped (%s); if the program failed switching users or "
		 "changing owners: %s, or try --boxcar-fakeroot", ns->why, ns->fix);
}

int launch(const struct payload *p, const struct cache *c, const struct run_opts *o,
	   const struct userns *ns, const char *keep, const char *flat, struct err *e)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(p->config, "config");
	char host[256] = "boxcar";
	struct strv env = { 0 }, argv = { 0 }, owned = { 0 }, vols = { 0 };
	struct user_info u;
	struct gpu_set gpu = { 0 };
	int *fds = calloc((size_t)p->nlayers + 1, sizeof *fds);
	char **paths = calloc((size_t)p->nlayers + 1, sizeof *paths);
	char *run = path_join(c->root, "run");
	int rc = -1, sig = 0, self_fd = -1;
	if (o->hostname)
		snprintf(host, sizeof host, "%s", o->hostname);
	else
		gethostname(host, sizeof host - 1);
	if (!fds || !paths || !run) {
		err_set(e, EXIT_SETUP, "out of memory");
		goto out;
	}
	for (int i = 0; i < p->nlayers; i++)
		fds[i] = -1;
	char here[4096], idle[64];
	int slurm = hpc_under_slurm(), keep_fds[2], nkeep = 0;
	if (slurm && (keep_fds[nkeep] = hpc_pmi_fd()) >= 0)
		nkeep++;
	/* the holder's app is this file: reached through an fd it inherits */
	if (o->hold && (self_fd = keep_fds[nkeep++] = open("/proc/self/exe", O_RDONLY)) < 0) {
		err_sys(e, EXIT_SETUP, "open /proc/self/exe");
		goto out;
	}
	snprintf(idle, sizeof idle, "/proc/self/fd/%d", self_fd);
	/* in a Slurm job, the caller's directory where a volume shows it */
	const char *cwd = o->workdir ? o->workdir
			: slurm && hpc_cwd(o->vols, o->nvols, here, sizeof here) ? here
			: json_str(cfg, "WorkingDir");
	if (open_layers(p, c, fds, paths, e) < 0 || resolve_user(cfg, o, ns, fds, p->nlayers, &u, e) < 0 ||
	    build_env(cfg, o, &u, host, &env, &owned, e) < 0 || build_argv(cfg, o, o->hold ? idle : NULL, &argv, e) < 0 ||
	    (sig = stop_signal(cfg, e)) < 0 || image_volumes(cfg, &vols, e) < 0 ||
	    (o->gpu && (gpu_discover(o->gpu, &gpu, e) < 0 || gpu_env(&env, &owned, e) < 0)))
		goto out;
	struct runner_spec s = {
		.lowers = (const char **)paths, .nlowers = p->nlayers, .state_dir = run, .keep_dir = keep,
		.argv = argv.v, .envp = env.v, .cwd = cwd && *cwd ? cwd : "/",
		.uid = u.uid, .gid = u.gid, .groups = u.groups, .ngroups = u.ngroups, .hostname = host, .stop_signal = sig, .sec = o->sec,
		.volumes = o->vols, .nvolumes = o->nvols,
		.tmpfs = o->tmpfs, .ntmpfs = o->ntmpfs, .read_only = o->read_only,
		.mkdirs = vols.v, .nmkdirs = vols.n, .rlimits = o->rlimits, .nrlimits = o->nrlimits,
		.limits = o->limits, .net = o->net, .ports = o->ports, .nports = o->nports,
		.devices = gpu.devs, .ndevices = gpu.ndevs, .driver_dir = o->gpu ? GPU_DIR : NULL,
		.driver_files = gpu.files, .ndriver_files = gpu.nfiles,
		.ipc_host = o->ipc < 0 ? slurm : o->ipc == RUNNER_IPC_HOST,
		.keep_fds = keep_fds, .nkeep_fds = nkeep,
	};
	for (int i = 0; i < p->nlayers; i++)
		close(fds[i]), fds[i] = -1;
	if (flat) {
		s.lowers = &flat, s.nlowers = 1, s.flat = 1;
		if (flat_mount_points(flat, &s, e) < 0) {
			/* (a seeded tree is read-only to all but its maker) */
			if (c->ro_root && !strncmp(flat, c->ro_root, strlen(c->ro_root)))
				err_ctx(e, "the flat root in BOXCAR_CACHE_RO lacks a mount point this launch needs: "
					"run it with --boxcar-root=overlay, or without BOXCAR_CACHE_RO");
			goto out;
		}
	}
	if (security_prepare(&s.sec, e) < 0)
		goto out;
	rc = o->engine == ENGINE_TRACE ? trace_run(&s, e) : runner_run(&s, e);
	security_release(&s.sec);
	if (o->engine != ENGINE_TRACE)   /* (no id map there: ids are faked) */
		hint_single_map(ns, &u, rc);
out:
	for (int i = 0; fds && paths && i < p->nlayers; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		free(paths[i]);
	}
	free(fds);
	free(paths);
	free(run);
	if (self_fd >= 0)
		close(self_fd);
	for (int i = 0; i < owned.n; i++)
		free(owned.v[i]);
	free(owned.v);
	free(env.v);
	free(argv.v);
	free(vols.v);
	gpu_free(&gpu);
	return rc;
}
