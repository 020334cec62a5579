#include "sandbox.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/fsutil.h"
#include "../common/xio.h"
#include "../containers/layertar.h"
#include "../runner/net.h"
#include "../stub/launch.h"

/* The image's layers as one payload whose blobs are the store's files. */
static int open_blobs(struct sandbox *sb, const struct store *s, const struct bimage *img,
		      struct err *e)
{
	struct payload *p = &sb->p;
	p->fd = -1;
	p->config = img->config;
	p->layers = img->layers;
	p->nlayers = img->nlayers;
	if (!(sb->fds = calloc((size_t)img->nlayers + 1, sizeof *sb->fds)))
		return err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; i < img->nlayers; i++) {
		char *path = store_blob_path(s, img->layers[i].diff_id);
		sb->fds[i] = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		if (sb->fds[i] < 0) {
			err_sys(e, EXIT_PACK, "build cache: open layer %s", path ? path : "");
			free(path);
			return -1;
		}
		free(path);
	}
	p->fds = sb->fds;
	return 0;
}

static int open_lowers(struct sandbox *sb, struct err *e)
{
	int n = sb->p.nlayers;
	sb->lowers = calloc((size_t)n + 1, sizeof *sb->lowers);
	sb->lower_fds = calloc((size_t)n + 1, sizeof *sb->lower_fds);
	if (!sb->lowers || !sb->lower_fds)
		return err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; i < n; i++, sb->nlowers++) {
		if (!(sb->lowers[i] = cache_layer_path(&sb->c, &sb->p.layers[n - 1 - i])))
			return err_set(e, EXIT_PACK, "out of memory");
		sb->lower_fds[i] = open(sb->lowers[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sb->lower_fds[i] < 0)
			return err_sys(e, EXIT_PACK, "open cached layer %s", sb->lowers[i]);
	}
	return 0;
}

/* In the child: the namespace and store of a run, the layers ready. */
static int sandbox_enter(struct sandbox *sb, const struct store *s, const struct bimage *img,
			 int files, struct err *e)
{
	memset(sb, 0, sizeof *sb);
	if (userns_choose(USERNS_AUTO, &sb->u, e) < 0 || open_blobs(sb, s, img, e) < 0 ||
	    userns_cache_open(&sb->u, &sb->c, e) < 0 ||
	    (files ? userns_enter_files(&sb->u, e) : userns_enter(&sb->u, e)) < 0 ||
	    cache_ensure(&sb->c, &sb->p, "the build's layers", e) < 0 || open_lowers(sb, e) < 0)
		return -1;
	sb->owners = sb->u.mode == USERNS_SUBIDS || sb->u.mode == USERNS_HOST;
	return 0;
}

struct call {
	const struct store *s;
	const struct bimage *img, *src;
	int (*fn)(struct sandbox *sb, void *arg, struct err *e);
	void *arg;
	const struct run_req *r;
	const char *scratch, *tar;
};

/* The second image: its layers extracted into the same store. */
static int ready_src(struct sandbox *sb, const struct store *s, const struct bimage *src, struct err *e)
{
	struct sandbox two = { .u = sb->u };
	if (open_blobs(&two, s, src, e) < 0 || cache_ensure(&sb->c, &two.p, "the build's layers", e) < 0)
		return -1;
	sb->src_lowers = calloc((size_t)src->nlayers + 1, sizeof *sb->src_lowers);
	if (!sb->src_lowers)
		return err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; i < src->nlayers; i++, sb->nsrc++)
		if (!(sb->src_lowers[i] = cache_layer_path(&sb->c, &src->layers[src->nlayers - 1 - i])))
			return err_set(e, EXIT_PACK, "out of memory");
	return 0;
}

static int call_in_child(void *arg, struct err *e)
{
	struct call *c = arg;
	struct sandbox sb;
	if (sandbox_enter(&sb, c->s, c->img, 1, e) < 0 || (c->src && ready_src(&sb, c->s, c->src, e) < 0))
		return -1;
	return c->fn(&sb, c->arg, e);
}

int sandbox_call(const struct store *s, const struct bimage *img, const struct bimage *src,
		 int (*fn)(struct sandbox *sb, void *arg, struct err *e), void *arg, struct err *e)
{
	struct call c = { .s = s, .img = img, .src = src, .fn = fn, .arg = arg };
	return child_run(call_in_child, &c, CHILD_DIES_WITH_PARENT, "a build step", e);
}

/* The step's config: the stage's, with RUN's command and the build args. */
static cJSON *run_config(const cJSON *config, const struct run_req *r)
{
	cJSON *cfg = cJSON_Duplicate(config, 1), *c = cJSON_GetObjectItemCaseSensitive(cfg, "config");
	if (!c)
		c = cJSON_AddObjectToObject(cfg, "config");
	cJSON *argv = cJSON_CreateArray(), *env = cJSON_GetObjectItemCaseSensitive(c, "Env");
	if (!cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(c, "Env");
		env = cJSON_AddArrayToObject(c, "Env");
	}
	for (int i = 0; r->argv[i]; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(r->argv[i]));
	for (int i = 0; r->env && r->env[i]; i++)
		cJSON_AddItemToArray(env, cJSON_CreateString(r->env[i]));
	cJSON_DeleteItemFromObjectCaseSensitive(c, "Entrypoint");
	cJSON_DeleteItemFromObjectCaseSensitive(c, "Cmd");
	cJSON_DeleteItemFromObjectCaseSensitive(c, "Volumes");   /* (not mounted while building) */
	cJSON_AddItemToObject(c, "Entrypoint", argv);
	cJSON_AddArrayToObject(c, "Cmd");
	return cfg;
}

/* One id mapped: owner changes are faked (--boxcar-fakeroot), but apt's
 * switch to its _apt user would fail its own check; this config keeps apt
 * as root. It is bound into the step's /dev (a tmpfs, so not in the
 * layer) and named by APT_CONFIG, for this step only. */
static const char apt_conf[] = "APT::Sandbox::User \"root\";\n";

static int fakeroot_apt(const char *scratch, char *vol, size_t cap, struct err *e)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s.apt.conf", scratch);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write_full(fd, apt_conf, sizeof apt_conf - 1) < 0 || close(fd) < 0)
		return err_sys(e, EXIT_PACK, "write %s", path);
	snprintf(vol, cap, "--boxcar-volume=%s:/dev/.boxcar-apt.conf:ro", path);
	return 0;
}

static int run_in_child(void *arg, struct err *e)
{
	struct call *c = arg;
	struct sandbox sb;
	struct run_opts o;
	char vol[PATH_MAX + 64];
	char *opts[5] = { "boxcar", c->r->net == RUNNER_NET_NONE ? "--boxcar-net=none" : "--boxcar-net=host", NULL };
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* the step's output is the build's progress: stderr, as docker build's */
	if (in < 0 || dup2(in, 0) < 0 || dup2(2, 1) < 0)
		return err_sys(e, EXIT_PACK, "redirect the step's output");
	close(in);
	if (sandbox_enter(&sb, c->s, c->img, 0, e) < 0)
		return -1;
	if (!sb.owners && fakeroot_apt(c->scratch, vol, sizeof vol, e) < 0)
		return -1;
	if (!sb.owners)
		opts[2] = vol, opts[3] = "--boxcar-env=APT_CONFIG=/dev/.boxcar-apt.conf";
	if (opts_parse(sb.owners ? 2 : 4, opts, &o, e) < 0)
		return -1;
	o.sec.fakeroot = !sb.owners;   /* one id mapped: chown & co. succeed without effect */
	cJSON *cfg = run_config(c->img->config, c->r);
	if (!cfg)
		return err_set(e, EXIT_PACK, "out of memory");
	sb.p.config = cfg;
	int rc = launch(&sb.p, &sb.c, &o, &sb.u, c->scratch, NULL, e);
	if (rc > 0 && !e->code)
		err_set(e, EXIT_PACK, "exit status %d", rc);
	char *upper = rc == 0 ? path_join(c->scratch, "upper") : NULL;
	int ufd = upper ? open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	free(upper);
	if (rc == 0 && ufd < 0)
		rc = err_sys(e, EXIT_PACK, "open the step's writable layer in %s", c->scratch);
	if (rc == 0)
		rc = layertar_changes(ufd, c->tar, sb.owners, c->r->clamp, NULL, NULL, NULL, e);
	if (ufd >= 0)
		close(ufd);
	/* the layer's files are ours to remove only in here (their owners) */
	rmtree_at(AT_FDCWD, c->scratch);
	if (!sb.owners) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s.apt.conf", c->scratch);
		unlink(path);
	}
	opts_free(&o);
	return rc == 0 ? 0 : -1;
}

int sandbox_run(const struct store *s, const struct bimage *img, const struct run_req *r,
		const char *scratch, const char *tar, struct err *e)
{
	struct call c = { .s = s, .img = img, .r = r, .scratch = scratch, .tar = tar };
	return child_run(run_in_child, &c, CHILD_DIES_WITH_PARENT, "RUN", e);
}
