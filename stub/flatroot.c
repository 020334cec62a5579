#include "flatroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../common/copy.h"
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/xio.h"

#define MAX_DEPTH 256   /* two fds a level; no real image comes near */

/* The OCI image spec's ChainID: chain(1) = diff_id(1), chain(n) =
 * sha256(chain(n-1) + " " + diff_id(n)). */
static void chain_id(const struct payload *p, char out[DIGEST_STR])
{
	snprintf(out, DIGEST_STR, "%s", p->nlayers ? p->layers[0].diff_id : "");
	for (int i = 1; i < p->nlayers; i++) {
		struct digest d;
		digest_init(&d);
		digest_update(&d, out, strlen(out));
		digest_update(&d, " ", 1);
		digest_update(&d, p->layers[i].diff_id, strlen(p->layers[i].diff_id));
		digest_final(&d, out);
	}
}

void flat_chain_hex(const struct payload *p, char hex[DIGEST_HEX + 1])
{
	char id[DIGEST_STR];
	chain_id(p, id);
	snprintf(hex, DIGEST_HEX + 1, "%s", p->nlayers ? digest_hex(id) : "");
}

int flat_is_tree_name(const char *name)
{
	return strlen(name) == DIGEST_HEX && strspn(name, "0123456789abcdef") == DIGEST_HEX;
}

/* --- the merge ---------------------------------------------------------- */

/* The path being merged (for messages and the depth limit). */
struct walk {
	char path[PATH_MAX];
	size_t len;
	int depth;
	struct err *e;
};

static int walk_push(struct walk *w, const char *name)
{
	size_t n = strlen(name);
	if (w->depth >= MAX_DEPTH || w->len + n + 2 > sizeof w->path)
		return err_set(w->e, EXIT_SETUP, "%s/%s: too deep to merge", w->path, name);
	w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n + 1);
	w->len += n;
	w->depth++;
	return 0;
}

static void walk_pop(struct walk *w, size_t len)
{
	w->len = len;
	w->path[len] = 0;
	w->depth--;
}

static int is_opaque(int dfd)
{
	char v[2];
	return fgetxattr(dfd, "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

/* The entry itself: a hard link to the layer's file, or a copy where a
 * link cannot be made (another file system, a link count at its limit). */
static int put_entry(int sdir, const char *name, const struct stat *st, int ddir)
{
	if (linkat(sdir, name, ddir, name, 0) == 0)
		return 0;
	if (errno != EXDEV && errno != EPERM && errno != EMLINK)
		return -1;
	return copy_entry_at(sdir, name, st, ddir);
}

static int merge_dir(struct walk *w, int sdir, int ddir);

static int merge_subdir(struct walk *w, int sdir, int ddir, const char *name, const struct stat *st,
			int have, const struct stat *old)
{
	if (have && !S_ISDIR(old->st_mode) && unlinkat(ddir, name, 0) < 0)
		return -1;
	if ((!have || !S_ISDIR(old->st_mode)) && mkdirat(ddir, name, 0700) < 0)
		return -1;
	int fds[2];
	size_t len = w->len;
	if (dir_pair_open(sdir, ddir, name, fds) < 0)
		return -1;
	int rc = walk_push(w, name);
	if (rc == 0) {
		rc = merge_dir(w, fds[0], fds[1]);
		walk_pop(w, len);
	}
	/* (after its entries: making them changed its times) */
	if (rc == 0 && copy_meta_at(fds[1], "", st) < 0)
		rc = -1;
	dir_pair_close(fds);
	return rc;
}

/* Lay one layer's directory sdir over the merged ddir: whiteouts delete,
 * an opaque directory first empties what the lower layers left, a
 * directory merges, anything else replaces. */
static int merge_dir(struct walk *w, int sdir, int ddir)
{
	if (is_opaque(sdir) && empty_dir(ddir) < 0)
		return err_sys(w->e, EXIT_SETUP, "merge %s", w->path);
	DIR *d = dir_stream(sdir);
	if (!d)
		return err_sys(w->e, EXIT_SETUP, "read %s", w->path);
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		const char *name = de->d_name;
		struct stat st, old;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		int have = fstatat(ddir, name, &old, AT_SYMLINK_NOFOLLOW) == 0;
		if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
		else if (is_whiteout_at(sdir, name, &st))
			rc = rmtree_at(ddir, name);
		else if (S_ISDIR(st.st_mode))
			rc = merge_subdir(w, sdir, ddir, name, &st, have, &old);
		else
			rc = (have && rmtree_at(ddir, name) < 0) || put_entry(sdir, name, &st, ddir) < 0 ? -1 : 0;
		if (rc < 0 && !w->e->code)
			err_sys(w->e, EXIT_SETUP, "merge %s/%s", w->path, name);
	}
	if (rc == 0 && errno)
		rc = err_sys(w->e, EXIT_SETUP, "read %s", w->path);
	closedir(d);
	return rc;
}

/* What the runner mounts on in every container, as the overlay mode's
 * init layer holds them: directories, and empty files for the /etc files
 * (over the image's own, a link included: the mount must land there). */
static const char *const mount_dirs[] = { "proc", "sys", "dev", "etc" };
static const char *const mount_files[] = { "etc/hosts", "etc/resolv.conf", "etc/hostname" };

static int mount_point(int root, const char *rel, int dir)
{
	struct stat st;
	if (fstatat(root, rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))
			return 0;
		if (rmtree_at(root, rel) < 0)
			return -1;
	} else if (errno != ENOENT) {
		return -1;
	}
	if (dir)
		return mkdirat(root, rel, 0755);
	int fd = openat(root, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	return fd < 0 ? -1 : close(fd);
}

static int add_mount_points(int root, struct err *e)
{
	for (size_t i = 0; i < sizeof mount_dirs / sizeof *mount_dirs; i++)
		if (mount_point(root, mount_dirs[i], 1) < 0)
			return err_sys(e, EXIT_SETUP, "create /%s in the flat root", mount_dirs[i]);
	for (size_t i = 0; i < sizeof mount_files / sizeof *mount_files; i++)
		if (mount_point(root, mount_files[i], 0) < 0)
			return err_sys(e, EXIT_SETUP, "create /%s in the flat root", mount_files[i]);
	return 0;
}

/* Open the cached layers, bottom first. */
static int open_layers(const struct cache *c, const struct payload_layer *l, int n, int *fds, struct err *e)
{
	for (int i = 0; i < n; i++) {
		char *path = cache_layer_path(c, &l[i]);
		fds[i] = path ? open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		if (fds[i] < 0) {
			err_sys(e, EXIT_SETUP, "open cached layer %s", path ? path : l[i].diff_id);
			free(path);
			while (i-- > 0)
				close(fds[i]);
			return -1;
		}
		free(path);
	}
	return 0;
}

static void close_layers(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static int merge_layers(const struct cache *c, const struct payload *p, int dst, struct err *e)
{
	int *fds = calloc((size_t)p->nlayers + 1, sizeof *fds);
	if (!fds)
		return err_set(e, EXIT_SETUP, "out of memory");
	if (open_layers(c, p->layers, p->nlayers, fds, e) < 0) {
		free(fds);
		return -1;
	}
	struct walk w = { .e = e };
	int rc = 0;
	for (int i = 0; rc == 0 && i < p->nlayers; i++) {
		struct stat st;
		rc = merge_dir(&w, fds[i], dst) < 0 || fstat(fds[i], &st) < 0 || copy_meta_at(dst, "", &st) < 0 ? -1 : 0;
		if (rc < 0)
			err_sys(e, EXIT_SETUP, "merge layer %d/%d", i + 1, p->nlayers);
	}
	if (rc == 0)
		rc = add_mount_points(dst, e);
	close_layers(fds, p->nlayers);
	free(fds);
	return rc;
}

/* --- the tree in the cache ---------------------------------------------- */

/* ROOT/flat, made when first needed */
static int open_flat_dir(const struct cache *c, struct err *e)
{
	struct stat st;
	int root = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = root < 0 ? -1 : private_dir_open(root, "flat", &st);
	if (root >= 0)
		close(root);
	return fd < 0 ? err_sys(e, EXIT_SETUP, "cannot create or open %s/flat", c->root) : fd;
}

/* meta/flat-<hex>: the tree's layers (diff_ids, bottom first), so that
 * `boxcar cache verify` can check it without the file. */
static int record_layers(const struct cache *c, const struct payload *p, const char *hex, struct err *e)
{
	char name[sizeof FLAT_PREFIX + DIGEST_HEX], tmp[sizeof name + 24];
	snprintf(name, sizeof name, FLAT_PREFIX "%s", hex);
	snprintf(tmp, sizeof tmp, "%s.%d.meta", name, (int)getpid());
	int fd = openat(c->tmp, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), ok = fd >= 0;
	for (int i = 0; ok && i < p->nlayers; i++)
		ok = dprintf(fd, "%s\n", p->layers[i].diff_id) > 0;
	if (fd >= 0 && close(fd) < 0)
		ok = 0;
	if (!ok || renameat(c->tmp, tmp, c->meta, name) < 0) {
		err_sys(e, EXIT_SETUP, "write %s/meta/%s", c->root, name);
		unlinkat(c->tmp, tmp, 0);
		return -1;
	}
	return 0;
}

/* Merge into tmp/flat-<hex>.<pid>, then rename into place. */
static int build_tree(const struct cache *c, const struct payload *p, int flat, const char *hex, struct err *e)
{
	char name[sizeof FLAT_PREFIX + DIGEST_HEX], tmp[sizeof name + 24];
	snprintf(name, sizeof name, FLAT_PREFIX "%s", hex);
	snprintf(tmp, sizeof tmp, "%s.%d", name, (int)getpid());
	log_debug("merging %d layers into the flat root %.12s", p->nlayers, hex);
	cache_remove_stale(c, name);
	if (mkdirat(c->tmp, tmp, 0755) < 0)
		return err_sys(e, EXIT_SETUP, "create %s/tmp/%s", c->root, tmp);
	int dst = beneath_step(c->tmp, tmp, 0);
	int rc = dst < 0 ? err_sys(e, EXIT_SETUP, "open %s/tmp/%s", c->root, tmp) : merge_layers(c, p, dst, e);
	if (dst >= 0)
		close(dst);
	if (rc == 0)
		rc = record_layers(c, p, hex, e);
	if (rc == 0 && renameat(c->tmp, tmp, flat, hex) < 0)
		rc = err_sys(e, EXIT_SETUP, "install the flat root into %s/flat", c->root);
	if (rc < 0)
		rmtree_at(c->tmp, tmp);
	return rc < 0 ? err_ctx(e, "flat root") : 0;
}

static int hold(struct cache *c, int fd, struct err *e)
{
	int *h = realloc(c->held, ((size_t)c->nheld + 1) * sizeof *h);
	if (!h)
		return err_set(e, EXIT_SETUP, "out of memory");
	c->held = h;
	c->held[c->nheld++] = fd;
	return 0;
}

/* The tree a read-only cache holds (seed.h): used in place, unlocked (no
 * one prunes it), as its layers are. */
static int ro_tree(const struct cache *c, const char *hex, char **tree, struct err *e)
{
	char rel[8 + DIGEST_HEX];
	snprintf(rel, sizeof rel, "flat/%s", hex);
	log_debug("flat root %.12s: in the read-only cache %s", hex, c->ro_root);
	if (!(*tree = path_join(c->ro_root, rel)))
		return err_set(e, EXIT_SETUP, "out of memory");
	return 0;
}

int flat_ensure(struct cache *c, const struct payload *p, char **tree, struct err *e)
{
	char hex[DIGEST_HEX + 1], lock[sizeof FLAT_PREFIX + DIGEST_HEX];
	flat_chain_hex(p, hex);
	snprintf(lock, sizeof lock, FLAT_PREFIX "%s", hex);
	if (cache_has_dir(c->ro_flat, hex))
		return ro_tree(c, hex, tree, e);
	int flat = open_flat_dir(c, e);
	if (flat < 0)
		return -1;
	int lk = openat(c->locks, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600), rc = 0;
	if (lk < 0 || hold(c, lk, e) < 0) {
		if (lk >= 0)
			close(lk);
		close(flat);
		return lk < 0 ? err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, lock) : -1;
	}
	/* shared to use (and while building, under the build lock, rechecking) */
	if (cache_lock(c, lk, LOCK_SH, lock, e) < 0)
		rc = -1;
	else if (!cache_has_dir(flat, hex)) {
		int b = cache_build_lock(c, lock, 1, e);
		if (b < 0)
			rc = -1;
		else if (!cache_has_dir(flat, hex))
			rc = build_tree(c, p, flat, hex, e);
		if (b >= 0)
			close(b);
	}
	futimens(lk, NULL);   /* last use, for `boxcar cache prune` */
	close(flat);
	if (rc == 0) {
		char rel[8 + DIGEST_HEX];
		snprintf(rel, sizeof rel, "flat/%s", hex);
		if (!(*tree = path_join(c->root, rel)))
			rc = err_set(e, EXIT_SETUP, "out of memory");
	}
	return rc;
}

int flat_remove(const struct cache *c, const char *hex, struct err *e)
{
	char name[sizeof FLAT_PREFIX + DIGEST_HEX];
	snprintf(name, sizeof name, FLAT_PREFIX "%s", hex);
	int flat = open_flat_dir(c, e);
	if (flat < 0)
		return -1;
	int rc = cache_retire(c, flat, hex, name, "flat root", e);
	close(flat);
	return rc;
}

/* --- mount points at launch --------------------------------------------- */

int flat_mount_points(const char *tree, const struct runner_spec *s, struct err *e)
{
	int root = open(tree, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd = 0;
	if (root < 0)
		return err_sys(e, EXIT_SETUP, "open the flat root %s", tree);
	for (int i = 0; fd >= 0 && i < s->nvolumes; i++) {
		struct stat st;
		fd = stat(s->volumes[i].host, &st) < 0 ? err_sys(e, EXIT_SETUP, "volume %s", s->volumes[i].host)
			: target_in_root(root, s->volumes[i].target, S_ISDIR(st.st_mode), e);
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; fd >= 0 && i < s->nmkdirs; i++)
		if ((fd = dir_in_root(root, s->mkdirs[i], e)) >= 0)
			close(fd);
	for (int i = 0; fd >= 0 && i < s->ntmpfs; i++)
		if ((fd = target_in_root(root, s->tmpfs[i], 1, e)) >= 0)
			close(fd);
	if (fd >= 0 && (fd = dir_in_root(root, s->cwd, e)) >= 0)
		close(fd);
	if (fd >= 0 && s->driver_dir && (fd = dir_in_root(root, s->driver_dir, e)) >= 0)
		close(fd);
	close(root);
	return fd < 0 ? err_ctx(e, "make a mount point in the flat root") : 0;
}

/* --- verification -------------------------------------------------------- */

struct view {
	const int *fds;   /* the layers, bottom first */
	int n;
	int flat;         /* the tree */
	struct err *e;
};

/* Which layer shows rel (a relative path) in the merged view: its index
 * and lstat, or -1 when none does (absent, whited out, under an opaque
 * directory or under something that is not a directory). */
static int visible(const struct view *v, const char *rel, struct stat *out)
{
	char pre[PATH_MAX];
	size_t len = strlen(rel);
	if (len >= sizeof pre)
		return -1;
	for (int i = v->n - 1; i >= 0; i--) {
		int stop = is_opaque(v->fds[i]);
		for (size_t k = 0; k <= len; k++) {
			if (rel[k] != '/' && rel[k] != 0)
				continue;
			memcpy(pre, rel, k);
			pre[k] = 0;
			struct stat st;
			if (fstatat(v->fds[i], pre, &st, AT_SYMLINK_NOFOLLOW) < 0)
				break;   /* not in this layer: look lower */
			if (is_whiteout_at(v->fds[i], pre, &st))
				return -1;
			if (k == len) {
				*out = st;
				return i;
			}
			if (!S_ISDIR(st.st_mode))
				return -1;
			int d = openat(v->fds[i], pre, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (d >= 0 && is_opaque(d))
				stop = 1;
			if (d >= 0)
				close(d);
		}
		if (stop)
			return -1;
	}
	return -1;
}

/* Bytes equal (a copied file, where no link could be made)? */
static int same_bytes(int a, int b)
{
	char x[65536], y[sizeof x];
	for (;;) {
		ssize_t n = read(a, x, sizeof x), m = n > 0 ? read(b, y, (size_t)n) : read(b, y, 1);
		if (n < 0 || m != n || memcmp(x, y, (size_t)n))
			return 0;
		if (n == 0)
			return 1;
	}
}

static int same_file(const struct view *v, int layer, const char *rel, const struct stat *img, const struct stat *got)
{
	if (img->st_ino == got->st_ino && img->st_dev == got->st_dev)
		return 1;
	if (img->st_size != got->st_size)
		return 0;
	int a = openat(v->fds[layer], rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int b = openat(v->flat, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int same = a >= 0 && b >= 0 && same_bytes(a, b);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return same;
}

static int same_link(int adir, int bdir, const char *rel)
{
	char a[PATH_MAX], b[PATH_MAX];
	ssize_t n = readlinkat(adir, rel, a, sizeof a), m = readlinkat(bdir, rel, b, sizeof b);
	return n >= 0 && n == m && !memcmp(a, b, (size_t)n);
}

/* One entry of the tree against the layers. A mount point (an empty
 * directory or file) may stand where the image has nothing, or a link. */
static int check_entry(const struct view *v, const char *rel, const struct stat *got)
{
	struct stat img;
	int layer = visible(v, rel, &img);
	int mount_point = S_ISDIR(got->st_mode) || (S_ISREG(got->st_mode) && got->st_size == 0);
	if (layer < 0 || (S_ISLNK(img.st_mode) && !S_ISLNK(got->st_mode)))
		return mount_point ? 0 : -1;
	if ((img.st_mode & S_IFMT) != (got->st_mode & S_IFMT))
		return -1;
	if (S_ISDIR(img.st_mode))
		return (img.st_mode & 07777) == (got->st_mode & 07777) ? 0 : -1;
	if (S_ISLNK(img.st_mode))
		return same_link(v->fds[layer], v->flat, rel) ? 0 : -1;
	if ((img.st_mode & 07777) != (got->st_mode & 07777))
		return -1;
	return S_ISREG(img.st_mode) && !same_file(v, layer, rel, &img, got) ? -1 : 0;
}

/* Walk dir (rel inside the tree: "" for its root, or "a/b/"); fn checks
 * each entry. Used both ways: the tree against the layers, and each
 * layer's entries against the tree. */
static int walk_tree(const struct view *v, int dir, char *rel, size_t len, int depth,
		     int (*fn)(const struct view *, const char *, const struct stat *, void *), void *arg)
{
	DIR *d = dir_stream(dir);
	if (!d)
		return err_sys(v->e, EXIT_SETUP, "read %s", len ? rel : "/");
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		struct stat st;
		size_t n = strlen(de->d_name);
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (len + n + 2 > PATH_MAX || depth > MAX_DEPTH)
			rc = err_set(v->e, EXIT_SETUP, "%s%s: too deep", rel, de->d_name);
		else if (fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			rc = err_sys(v->e, EXIT_SETUP, "%s%s", rel, de->d_name);
		if (rc < 0)
			break;
		memcpy(rel + len, de->d_name, n + 1);
		if ((rc = fn(v, rel, &st, arg)) < 0)
			break;
		if (S_ISDIR(st.st_mode)) {
			int sub = beneath_step(dir, de->d_name, 0);
			rel[len + n] = '/', rel[len + n + 1] = 0;
			rc = sub < 0 ? err_sys(v->e, EXIT_SETUP, "%s", rel)
				: walk_tree(v, sub, rel, len + n + 1, depth + 1, fn, arg);
			if (sub >= 0)
				close(sub);
		}
		rel[len] = 0;
	}
	closedir(d);
	return rc;
}

static int tree_entry(const struct view *v, const char *rel, const struct stat *st, void *arg)
{
	(void)arg;
	if (check_entry(v, rel, st) < 0)
		return err_set(v->e, EXIT_SETUP, "/%s differs from the image's layers", rel);
	return 0;
}

/* A layer's entry that the merged view shows from this layer must be in
 * the tree. */
static int layer_entry(const struct view *v, const char *rel, const struct stat *st, void *arg)
{
	struct stat img, got;
	if (is_whiteout_at(v->fds[*(int *)arg], rel, st) || visible(v, rel, &img) != *(int *)arg)
		return 0;
	if (fstatat(v->flat, rel, &got, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(v->e, EXIT_SETUP, "/%s is missing", rel);
	return 0;
}

/* The layers recorded for the tree (record_layers), or NULL with e. */
static struct payload_layer *recorded_layers(const struct cache *c, const char *hex, int *n, struct err *e)
{
	char name[sizeof FLAT_PREFIX + DIGEST_HEX];
	snprintf(name, sizeof name, FLAT_PREFIX "%s", hex);
	char *text = read_file_at(c->meta, name, 1 << 20, NULL);
	if (!text)
		return err_sys(e, EXIT_SETUP, "flat root %.12s: no layers recorded in %s/meta", hex, c->root), NULL;
	int cap = 1;
	for (const char *t = text; *t; t++)
		cap += *t == '\n';
	struct payload_layer *l = calloc((size_t)cap, sizeof *l);
	*n = 0;
	for (char *line = text, *next; l && *line; line = next) {
		char *end = line + strcspn(line, "\n");
		next = end + (*end != 0);
		*end = 0;
		if (!digest_valid(line)) {
			err_set(e, EXIT_SETUP, "flat root %.12s: bad layer list in %s/meta", hex, c->root);
			free(l);
			l = NULL;
			break;
		}
		snprintf(l[(*n)++].diff_id, DIGEST_STR, "%s", line);
	}
	if (!l && !e->code)
		err_set(e, EXIT_SETUP, "out of memory");
	free(text);
	return l;
}

int flat_verify(const struct cache *c, const char *hex, struct err *e)
{
	char rel[PATH_MAX] = "";
	int flat = open_flat_dir(c, e);
	if (flat < 0)
		return -1;
	int tree = openat(flat, hex, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(flat);
	if (tree < 0)
		return errno == ENOENT ? 1 : err_sys(e, EXIT_SETUP, "open %s/flat/%.12s", c->root, hex);
	int n = 0, rc = -1;
	struct payload_layer *l = recorded_layers(c, hex, &n, e);
	int *fds = l ? calloc((size_t)n + 1, sizeof *fds) : NULL;
	if (l && !fds)
		err_set(e, EXIT_SETUP, "out of memory");
	else if (fds && open_layers(c, l, n, fds, e) == 0) {
		struct view v = { fds, n, tree, e };
		rc = walk_tree(&v, tree, rel, 0, 0, tree_entry, NULL);
		for (int i = 0; rc == 0 && i < n; i++)
			rc = walk_tree(&v, fds[i], rel, 0, 0, layer_entry, &i);
		close_layers(fds, n);
		if (rc < 0)
			err_ctx(e, "flat root %.12s in %s/flat has been modified since it was merged; remove it "
				"(boxcar cache prune --all) to merge it again", hex, c->root);
	}
	free(fds);
	free(l);
	close(tree);
	return rc;
}

/* --- listing ------------------------------------------------------------- */

/* Bytes a tree holds of its own: what would be freed with it (files
 * linked from the layers are theirs too). */
static unsigned long long own_bytes(int dir, int depth)
{
	DIR *d = dir_stream(dir);
	struct dirent *de;
	unsigned long long sum = 0;
	while (d && (de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			int sub = beneath_step(dir, de->d_name, 0);
			if (sub >= 0)
				sum += own_bytes(sub, depth + 1), close(sub);
		}
		if (S_ISDIR(st.st_mode) || st.st_nlink == 1)
			sum += (unsigned long long)st.st_size;
	}
	if (d)
		closedir(d);
	return sum;
}

int flat_each(const struct cache *c, int (*fn)(const struct cache *, const struct cache_entry *, void *),
	      void *arg, struct err *e)
{
	int flat = open_flat_dir(c, e);
	DIR *d = flat < 0 ? NULL : dir_stream(flat);
	if (!d) {
		if (flat >= 0)
			close(flat);
		return flat < 0 ? -1 : err_sys(e, EXIT_SETUP, "read %s/flat", c->root);
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		char lock[sizeof FLAT_PREFIX + DIGEST_HEX];
		struct cache_entry ce = { 0 };
		struct stat st;
		if (!flat_is_tree_name(de->d_name) || !cache_has_dir(flat, de->d_name))
			continue;
		memcpy(ce.hex, de->d_name, DIGEST_HEX + 1);
		snprintf(lock, sizeof lock, FLAT_PREFIX "%s", ce.hex);
		if (fstatat(c->locks, lock, &st, 0) == 0 || fstatat(flat, ce.hex, &st, 0) == 0)
			ce.last_used = st.st_mtime;
		int t = beneath_step(flat, ce.hex, 0);
		if (t >= 0)
			ce.bytes = own_bytes(t, 0), close(t);
		rc = fn(c, &ce, arg);
	}
	closedir(d);
	close(flat);
	return rc;
}
