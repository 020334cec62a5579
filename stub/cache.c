#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"
#include "blob.h"

static char *cache_root_path(void)
{
	const char *v = getenv("BOXCAR_CACHE");
	if (v && *v)
		return strdup(v);
	v = getenv("XDG_CACHE_HOME");
	if (v && *v == '/')
		return path_join(v, "boxcar");
	v = getenv("HOME");
	if (v && *v == '/')
		return path_join(v, ".cache/boxcar");
	return NULL;
}

/* Open (creating) a private subdirectory and refuse one others could
 * tamper with: on a shared host that would let them plant layers. */
static int open_private_dir(int dirfd, const char *name, const char *shown, struct err *e)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return err_sys(e, EXIT_SETUP, "cannot create cache directory %s", shown);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "cannot open cache directory %s", shown);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_sys(e, EXIT_SETUP, "stat %s", shown);
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return err_set(e, EXIT_SETUP, "cache directory %s is not private (owner uid %u, mode %03o); "
			       "use a directory you own with mode 0700 (set BOXCAR_CACHE)",
			       shown, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
	}
	return fd;
}

int cache_open(struct cache *c, struct err *e)
{
	memset(c, 0, sizeof *c);
	c->layers = c->tmp = c->locks = -1;
	c->root = cache_root_path();
	if (!c->root)
		return err_set(e, EXIT_SETUP, "no cache directory: set BOXCAR_CACHE or HOME");
	char *parent = strdup(c->root);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir_p(parent, 0700) < 0) {
			free(parent);
			return err_sys(e, EXIT_SETUP, "cannot create %s", c->root);
		}
	}
	free(parent);
	int root = open_private_dir(AT_FDCWD, c->root, c->root, e);
	if (root < 0)
		return -1;
	c->layers = open_private_dir(root, "layers", c->root, e);
	c->tmp = c->layers < 0 ? -1 : open_private_dir(root, "tmp", c->root, e);
	c->locks = c->tmp < 0 ? -1 : open_private_dir(root, "locks", c->root, e);
	int run = c->locks < 0 ? -1 : open_private_dir(root, "run", c->root, e);
	close(root);
	if (run < 0)
		return -1;
	close(run);
	return 0;
}

void cache_close(struct cache *c)
{
	if (c->layers >= 0) close(c->layers);
	if (c->tmp >= 0) close(c->tmp);
	if (c->locks >= 0) close(c->locks);
	free(c->root);
	memset(c, 0, sizeof *c);
}

char *cache_layer_path(const struct cache *c, const struct payload_layer *l)
{
	char rel[8 + DIGEST_HEX + 1];
	snprintf(rel, sizeof rel, "layers/%s", digest_hex(l->diff_id));
	return path_join(c->root, rel);
}

static int layer_present(const struct cache *c, const char *hex)
{
	struct stat st;
	return fstatat(c->layers, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Remove leftovers of extractions of `hex` that died (we hold its lock). */
static void remove_stale(const struct cache *c, const char *hex)
{
	int fd = dup(c->tmp);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0) close(fd);
		return;
	}
	struct dirent *de;
	size_t n = strlen(hex);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, hex, n) == 0 && de->d_name[n] == '.')
			rmtree_at(c->tmp, de->d_name);
	closedir(d);
}

static int check_space(const struct cache *c, const struct payload_layer *l, struct err *e)
{
	struct statvfs sv;
	if (fstatvfs(c->tmp, &sv) < 0)
		return 0;
	uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail < l->usize)
		return err_set(e, EXIT_SETUP, "not enough space in %s: layer %.19s needs %llu MB, %llu MB free; "
			       "free some space or point BOXCAR_CACHE elsewhere", c->root, l->diff_id,
			       (unsigned long long)(l->usize >> 20) + 1, (unsigned long long)(avail >> 20));
	return 0;
}

static int extract_into(int fd, const struct payload_layer *l, int dirfd, const char *what,
			struct err *e)
{
	struct progress prog;
	progress_start(&prog, what, l->size);
	int rc = blob_apply(fd, l, dirfd, LAYER_OVERLAY, &prog, e);
	progress_end(&prog);
	return rc;
}

static int extract_layer(const struct cache *c, const struct payload *p, int i, struct err *e)
{
	const struct payload_layer *l = &p->layers[i];
	const char *hex = digest_hex(l->diff_id);
	char tmpname[DIGEST_HEX + 24], what[64];
	snprintf(tmpname, sizeof tmpname, "%s.%d", hex, (int)getpid());
	snprintf(what, sizeof what, "extracting layer %d/%d", i + 1, p->nlayers);
	remove_stale(c, hex);
	if (check_space(c, l, e) < 0)
		return -1;
	if (mkdirat(c->tmp, tmpname, 0755) < 0)
		return err_sys(e, EXIT_SETUP, "create %s/tmp/%s", c->root, tmpname);
	int dfd = openat(c->tmp, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = dfd < 0 ? err_sys(e, EXIT_SETUP, "open %s/tmp/%s", c->root, tmpname)
			 : extract_into(p->fd, l, dfd, what, e);
	if (dfd >= 0)
		close(dfd);
	if (rc == 0 && renameat(c->tmp, tmpname, c->layers, hex) < 0)
		rc = err_sys(e, EXIT_SETUP, "install layer into %s/layers", c->root);
	if (rc < 0) {
		if (e->code && strstr(e->msg, "No space left"))
			err_ctx(e, "cache %s is full", c->root);
		rmtree_at(c->tmp, tmpname);
	}
	return rc;
}

static int ensure_layer(const struct cache *c, const struct payload *p, int i, struct err *e)
{
	const char *hex = digest_hex(p->layers[i].diff_id);
	if (layer_present(c, hex))
		return 0;
	int lk = openat(c->locks, hex, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lk < 0)
		return err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, hex);
	int rc;
	while ((rc = flock(lk, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		rc = err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, hex);
	else if (!layer_present(c, hex))   /* someone may have finished meanwhile */
		rc = extract_layer(c, p, i, e);
	close(lk);
	return rc;
}

int cache_ensure(struct cache *c, const struct payload *p, const char *file, struct err *e)
{
	for (int i = 0; i < p->nlayers; i++)
		if (ensure_layer(c, p, i, e) < 0)
			return err_ctx(e, "%s", file);
	return 0;
}
