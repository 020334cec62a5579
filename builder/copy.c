/* COPY and ADD: sources from the context (less what .dockerignore
 * excludes) or from another stage or image (--from), globs and directory
 * rules as Docker has them, owners 0:0 unless --chown (names looked up in
 * the image's /etc/passwd), --chmod, heredocs; ADD also unpacks local
 * archives. The layer is written in a child inside the image's namespace,
 * where the image and the --from image are mounted as read-only views:
 * a destination's symlinks resolve there as they would in the container. */
#include "builder.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/json.h"
#include "../containers/layertar.h"
#include "../runner/rootfs.h"
#include "../stub/user.h"
#include "expand.h"
#include "sandbox.h"
#include "url.h"

/* A list of paths (malloc'd strings). */
struct found {
	char **v;
	int n;
};

static int found_add(struct found *f, const char *rel)
{
	char **n = realloc(f->v, ((size_t)f->n + 1) * sizeof *n);
	if (!n)
		return -1;
	f->v = n;
	return (n[f->n] = strdup(rel)) ? (f->n++, 0) : -1;
}

struct copy {
	struct builder *b;
	int add;
	char **srcs;                /* expanded source patterns */
	int nsrcs;
	char *dest;                 /* absolute and clean */
	int dest_slash;             /* it ended with '/' */
	const char *chown;
	long chmod;                 /* -1: keep the sources' modes */
	const struct bimage *from;  /* --from's image, or NULL: the context */
	struct bimage from_img;     /* (owned when --from named an image) */
	char key[DIGEST_STR];
	const char *tar, *scratch;
	char **fetched;             /* ADD URL: srcs[i]'s file in scratch, or NULL */
	char (*sums)[DIGEST_STR];   /* and its sha256 */
	/* in the child */
	int srcfd, dstfd;           /* source root; the image's view (-1: empty) */
	uid_t uid;
	gid_t gid;
	struct timespec now;
	struct layertar *t;
	struct found made;          /* directories this layer has already */
	int matched;
};

/* ---------------------------------------------------------- paths */

/* Does rel stay inside its root ("a/../b" does, "../a" does not)? */
static int stays_inside(const char *rel)
{
	int depth = 0;
	while (*rel) {
		size_t n = strcspn(rel, "/");
		if (n == 2 && !strncmp(rel, "..", 2)) {
			if (--depth < 0)
				return 0;
		} else if (n && !(n == 1 && *rel == '.'))
			depth++;
		rel += n + (rel[n] == '/');
	}
	return 1;
}

/* A source pattern as a clean relative path ("" for the root). */
static char *src_rel(const char *src)
{
	char *abs = b_clean_path("/", src);
	if (!abs)
		return NULL;
	memmove(abs, abs + 1, strlen(abs));
	return abs;
}

/* ---------------------------------------------------------- entries */

static int made_has(const struct copy *c, const char *path)
{
	for (int i = 0; i < c->made.n; i++)
		if (!strcmp(c->made.v[i], path))
			return 1;
	return 0;
}

/* Is path ("a/b") there in the image, and what is it? */
static int image_stat(const struct copy *c, const char *path, struct stat *st)
{
	if (c->dstfd < 0)
		return -1;
	int fd = open_in_root(c->dstfd, path, O_PATH | O_NOFOLLOW);
	int rc = fd < 0 ? -1 : fstat(fd, st);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The directories above rel that neither the image nor this layer has:
 * made 0755, owned like the copy (as BuildKit makes them). */
static int parents(struct copy *c, const char *rel, struct err *e)
{
	char dir[PATH_MAX];
	struct stat st;
	for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(dir, sizeof dir, "%.*s", (int)(s - rel), rel);
		if (made_has(c, dir) || (image_stat(c, dir, &st) == 0 && S_ISDIR(st.st_mode)))
			continue;
		struct stat d = { .st_mode = S_IFDIR | 0755, .st_uid = c->uid, .st_gid = c->gid, .st_nlink = 1,
				  .st_mtim = c->now };
		if (layertar_put(c->t, dir, AT_FDCWD, ".", &d) < 0 || found_add(&c->made, dir) < 0)
			return e->code ? -1 : err_set(e, EXIT_PACK, "out of memory");
	}
	return 0;
}

/* One entry: owner and mode as asked, the parents first. */
static int put(struct copy *c, const char *rel, int dirfd, const char *name, struct stat st, struct err *e)
{
	if (made_has(c, rel))
		return 0;
	st.st_uid = c->uid, st.st_gid = c->gid;
	if (c->chmod >= 0 && !S_ISLNK(st.st_mode))
		st.st_mode = (st.st_mode & S_IFMT) | (mode_t)c->chmod;
	if (parents(c, rel, e) < 0 || layertar_put(c->t, rel, dirfd, name, &st) < 0)
		return -1;
	return S_ISDIR(st.st_mode) && found_add(&c->made, rel) < 0 ? err_set(e, EXIT_PACK, "out of memory") : 0;
}

/* ---------------------------------------------------------- walking */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted (a reproducible layer). */
static char **dir_names(int dirfd, int *n)
{
	DIR *d = dir_stream(dirfd);
	char **v = NULL;
	struct dirent *de;
	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char **nv = realloc(v, ((size_t)*n + 2) * sizeof *nv);
		if (!nv || !(nv[*n] = strdup(de->d_name))) {
			v = nv ? nv : v;
			break;
		}
		v = nv;
		v[++*n] = NULL;
	}
	closedir(d);
	if (v)
		qsort(v, (size_t)*n, sizeof *v, cmp_str);
	return v ? v : calloc(1, sizeof *v);
}

static void names_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int excluded(const struct copy *c, const char *srel)
{
	return !c->from && (ignore_match(c->b->ig, srel) || (c->b->out_rel && !strcmp(srel, c->b->out_rel)));
}

/* Everything below dirfd (source path srel) into dst (the tar's path). */
static int walk(struct copy *c, int dirfd, const char *srel, const char *dst, struct err *e)
{
	int n, rc = 0;
	char **names = dir_names(dirfd, &n);
	if (!names)
		return err_sys(e, EXIT_PACK, "read directory %s", *srel ? srel : ".");
	for (int i = 0; rc == 0 && i < n; i++) {
		char s[PATH_MAX], d[PATH_MAX];
		struct stat st;
		if (snprintf(s, sizeof s, "%s%s%s", srel, *srel ? "/" : "", names[i]) >= (int)sizeof s ||
		    snprintf(d, sizeof d, "%s%s%s", dst, *dst ? "/" : "", names[i]) >= (int)sizeof d) {
			rc = err_set(e, EXIT_PACK, "path too long: %s/%s", srel, names[i]);
			break;
		}
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = err_sys(e, EXIT_PACK, "stat %s", s);
			break;
		}
		int skip = excluded(c, s);
		if (skip && !(S_ISDIR(st.st_mode) && ignore_may_include_below(c->b->ig, s)))
			continue;
		if (!skip)
			rc = put(c, d, dirfd, names[i], st, e);
		if (rc == 0 && S_ISDIR(st.st_mode)) {
			int sub = beneath_step(dirfd, names[i], 0);
			rc = sub < 0 ? err_sys(e, EXIT_PACK, "open %s", s) : walk(c, sub, s, d, e);
			if (sub >= 0)
				close(sub);
		}
	}
	names_free(names, n);
	return rc;
}

/* ---------------------------------------------------------- resolving */

/* The path of fd relative to the root root_fd (both opened in it). */
static int rel_of(int rootfd, int fd, char *out, size_t cap)
{
	char a[64], b[64], rp[PATH_MAX], fp[PATH_MAX];
	snprintf(a, sizeof a, "/proc/self/fd/%d", rootfd);
	snprintf(b, sizeof b, "/proc/self/fd/%d", fd);
	ssize_t rn = readlink(a, rp, sizeof rp - 1), fn = readlink(b, fp, sizeof fp - 1);
	if (rn < 0 || fn < 0)
		return -1;
	rp[rn] = 0, fp[fn] = 0;
	size_t k = strcmp(rp, "/") ? (size_t)rn : 0;
	if (strncmp(fp, rp, k) || (fp[k] && fp[k] != '/'))
		return errno = EXDEV, -1;
	snprintf(out, cap, "%s", fp[k] ? fp + k + 1 : "");
	return 0;
}

/* path ("a/b/c") in the image with its symlinks resolved as the container
 * would: the longest part that exists, resolved, then the rest. */
static int resolve_dst(const struct copy *c, const char *path, char *out, size_t cap)
{
	char head[PATH_MAX];
	snprintf(out, cap, "%s", path);
	if (c->dstfd < 0 || !*path)
		return 0;
	snprintf(head, sizeof head, "%s", path);
	for (;;) {
		int fd = open_in_root(c->dstfd, head, O_PATH);
		if (fd >= 0) {
			char real[PATH_MAX];
			int rc = rel_of(c->dstfd, fd, real, sizeof real);
			close(fd);
			if (rc < 0)
				return -1;
			const char *rest = path + strlen(head);
			if (!*real && *rest == '/')
				rest++;
			snprintf(out, cap, "%s%s", real, rest);
			return 0;
		}
		char *slash = strrchr(head, '/');
		if (!slash)
			return 0;
		*slash = 0;
	}
}

/* Is path a directory in the image (symlinks followed) or in this layer? */
static int is_dir_dst(const struct copy *c, const char *path)
{
	struct stat st;
	if (made_has(c, path))
		return 1;
	int fd = c->dstfd >= 0 ? open_in_root(c->dstfd, path, O_PATH) : -1;
	int rc = fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Where a source lands: DEST, or DEST/NAME when DEST is a directory. */
static int target(const struct copy *c, const char *name, int src_dir, char *out, size_t cap)
{
	char want[PATH_MAX];
	const char *d = c->dest + 1;
	if (src_dir || !(c->dest_slash || c->matched > 1 || is_dir_dst(c, d)) || !*name)
		snprintf(want, sizeof want, "%s", d);
	else if (snprintf(want, sizeof want, "%s%s%s", d, *d ? "/" : "", name) >= (int)sizeof want)
		return errno = ENAMETOOLONG, -1;
	return resolve_dst(c, want, out, cap);
}

/* ---------------------------------------------------------- sources */

/* One matched source (srel in the source root): a directory's content,
 * or a file (ADD: an archive's content). */
static int copy_source(struct copy *c, const char *srel, struct err *e)
{
	char real[PATH_MAX], dst[PATH_MAX];
	struct stat st;
	/* the source itself is followed, inside its root, as BuildKit does */
	int fd = *srel ? open_in_root(c->srcfd, srel, O_PATH) : dup(c->srcfd);
	if (fd < 0 || fstat(fd, &st) < 0 || rel_of(c->srcfd, fd, real, sizeof real) < 0) {
		if (fd >= 0)
			close(fd);
		return err_set(e, EXIT_PACK, "%s: not found in %s", srel, c->from ? "the --from image" : "the build context");
	}
	close(fd);
	const char *slash = strrchr(real, '/'), *name = slash ? slash + 1 : real;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - real) : 0, real);
	int dfd = *dir ? open_in_root(c->srcfd, dir, O_RDONLY | O_DIRECTORY) : dup(c->srcfd);
	if (dfd < 0)
		return err_sys(e, EXIT_PACK, "open %s", dir);
	/* (named as the source was named: a symlink's content under its own name) */
	const char *as = strrchr(srel, '/') ? strrchr(srel, '/') + 1 : srel;
	int rc = target(c, S_ISDIR(st.st_mode) ? "" : as, S_ISDIR(st.st_mode), dst, sizeof dst);
	if (rc < 0)
		rc = err_sys(e, EXIT_PACK, "destination %s", c->dest);
	else if (S_ISDIR(st.st_mode)) {
		int sub = *real ? beneath_step(dfd, name, 0) : dup(dfd);
		if (*dst && !is_dir_dst(c, dst))   /* the destination dir takes the source dir's mode */
			rc = put(c, dst, dfd, *real ? name : ".", st, e);
		if (rc == 0)
			rc = sub < 0 ? err_sys(e, EXIT_PACK, "open %s", real) : walk(c, sub, real, dst, e);
		if (sub >= 0)
			close(sub);
	} else if (c->add && S_ISREG(st.st_mode) && (fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		char into[PATH_MAX];
		rc = target(c, "", 1, into, sizeof into) < 0 ? err_sys(e, EXIT_PACK, "destination %s", c->dest) : 0;
		if (rc == 0 && (rc = layertar_put_archive(c->t, fd, into, e)) == 1)
			rc = put(c, dst, dfd, name, st, e);   /* not an archive: a file */
		close(fd);
	} else
		rc = put(c, dst, dfd, name, st, e);
	close(dfd);
	return rc;
}

/* COPY <<EOF /file: the heredoc's text as a file (0644). */
static int copy_heredoc(struct copy *c, const struct df_heredoc *h, struct err *e)
{
	char dst[PATH_MAX];
	char *body = h->expand ? b_expand_text(c->b, h->body, e) : strdup(h->body);
	if (!body)
		return e->code ? -1 : err_set(e, EXIT_PACK, "out of memory");
	struct stat st = { .st_mode = S_IFREG | (c->chmod >= 0 ? (mode_t)c->chmod : 0644), .st_uid = c->uid,
			   .st_gid = c->gid, .st_nlink = 1, .st_mtim = c->now };
	int rc = target(c, h->name, 0, dst, sizeof dst) < 0 ? err_sys(e, EXIT_PACK, "destination %s", c->dest) : 0;
	if (rc == 0)
		rc = parents(c, dst, e) < 0 ? -1 : layertar_put_bytes(c->t, dst, body, strlen(body), &st);
	free(body);
	return rc;
}

static const struct df_heredoc *heredoc_of(const struct copy *c, const char *src)
{
	return df_heredoc_for(c->b->in, src);
}

/* ---------------------------------------------------------- globs */

/* The paths matching pattern (relative, clean) below dirfd (at prefix);
 * each component matched as Go's filepath.Match does. */
static int glob_in(const struct copy *c, int dirfd, const char *prefix, const char *pattern,
		   struct found *f, struct err *e)
{
	size_t n = strcspn(pattern, "/");
	const char *rest = pattern[n] ? pattern + n + 1 : NULL;
	char comp[NAME_MAX + 1];
	if (n > NAME_MAX)
		return err_set(e, EXIT_PACK, "source pattern component too long");
	snprintf(comp, sizeof comp, "%.*s", (int)n, pattern);
	int cnt, rc = 0;
	char **names = dir_names(dirfd, &cnt);
	if (!names)
		return 0;
	for (int i = 0; rc == 0 && i < cnt; i++) {
		char rel[PATH_MAX];
		if (glob_match(comp, names[i]) != 1)
			continue;
		snprintf(rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", names[i]);
		if (excluded(c, rel))
			continue;
		if (!rest) {
			rc = found_add(f, rel) < 0 ? err_set(e, EXIT_PACK, "out of memory") : 0;
			continue;
		}
		int sub = beneath_step(dirfd, names[i], 0);
		if (sub >= 0) {
			rc = glob_in(c, sub, rel, rest, f, e);
			close(sub);
		}
	}
	names_free(names, cnt);
	return rc;
}

static int sources(struct copy *c, struct found *f, struct err *e)
{
	for (int i = 0; i < c->nsrcs; i++) {
		if (heredoc_of(c, c->srcs[i]) || is_url(c->srcs[i]))
			continue;
		char *rel = src_rel(c->srcs[i]);
		int before = f->n, rc;
		if (!rel)
			return err_set(e, EXIT_PACK, "out of memory");
		if (glob_has_magic(rel))
			rc = glob_in(c, c->srcfd, "", rel, f, e);
		else
			rc = (*rel && excluded(c, rel)) ? 0 : found_add(f, rel) < 0 ? err_set(e, EXIT_PACK, "out of memory") : 0;
		free(rel);
		if (rc < 0)
			return -1;
		if (f->n == before)
			return err_set(e, EXIT_PACK, "%s: not found in %s%s", c->srcs[i], c->from ? "the --from image" : "the build context",
				       c->from ? "" : " (or excluded by .dockerignore)");
	}
	return 0;
}

/* ADD URL: the fetched file, 0600 as Docker makes it, named by the URL. */
static int copy_fetched(struct copy *c, int i, struct err *e)
{
	char name[NAME_MAX + 1], dst[PATH_MAX];
	struct stat st;
	url_name(c->srcs[i], name, sizeof name);
	if (stat(c->fetched[i], &st) < 0)
		return err_sys(e, EXIT_PACK, "%s", c->fetched[i]);
	st.st_mode = S_IFREG | 0600;
	st.st_mtim = c->now;
	if (target(c, name, 0, dst, sizeof dst) < 0)
		return err_sys(e, EXIT_PACK, "destination %s", c->dest);
	return put(c, dst, AT_FDCWD, c->fetched[i], st, e);
}

/* ---------------------------------------------------------- the layer */

static int mount_views(struct copy *c, struct sandbox *sb, struct err *e)
{
	char dst[PATH_MAX], src[PATH_MAX];
	snprintf(dst, sizeof dst, "%s/dst", c->scratch);
	snprintf(src, sizeof src, "%s/src", c->scratch);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(e, EXIT_PACK, "a mount namespace for the step");
	if (mkdir(dst, 0700) < 0 || mkdir(src, 0700) < 0)
		return err_sys(e, EXIT_PACK, "create %s", dst);
	if (rootfs_mount_view((const char *const *)sb->lowers, sb->nlowers, dst, e) < 0 ||
	    (c->from && rootfs_mount_view((const char *const *)sb->src_lowers, sb->nsrc, src, e) < 0))
		return -1;
	c->dstfd = sb->nlowers ? open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	c->srcfd = c->from ? open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : c->b->ctx;
	if ((sb->nlowers && c->dstfd < 0) || c->srcfd < 0)
		return err_sys(e, EXIT_PACK, "open the image's files");
	return 0;
}

static int owner(struct copy *c, struct sandbox *sb, struct err *e)
{
	struct user_info u;
	if (!c->chown)
		return 0;
	if (user_resolve(c->chown, sb->lower_fds, sb->nlowers, &u, e) < 0)
		return err_ctx(e, "--chown=%s", c->chown);
	c->uid = u.uid, c->gid = u.gid;
	return 0;
}

static int copy_in_child(struct sandbox *sb, void *arg, struct err *e)
{
	struct copy *c = arg;
	struct found f = { 0 };
	int heredocs = 0;
	clock_gettime(CLOCK_REALTIME, &c->now);
	if (c->b->epoch >= 0)
		c->now = (struct timespec){ .tv_sec = c->b->epoch };
	if (mount_views(c, sb, e) < 0 || owner(c, sb, e) < 0 || sources(c, &f, e) < 0)
		return -1;
	for (int i = 0; i < c->nsrcs; i++)
		heredocs += heredoc_of(c, c->srcs[i]) != NULL || is_url(c->srcs[i]);
	c->matched = f.n + heredocs;
	if (c->matched > 1 && !c->dest_slash)
		return err_set(e, EXIT_PACK, "with more than one source file, the destination must be a directory "
			       "and end with a / ('%s')", c->srcs[c->nsrcs]);
	if (!(c->t = layertar_open(c->tar, 1, c->b->epoch, e)))
		return -1;
	int rc = 0;
	for (int i = 0; rc == 0 && i < f.n; i++)
		rc = copy_source(c, f.v[i], e);
	for (int i = 0; rc == 0 && i < c->nsrcs; i++) {
		const struct df_heredoc *h = heredoc_of(c, c->srcs[i]);
		if (h)
			rc = copy_heredoc(c, h, e);
		else if (c->fetched && c->fetched[i])
			rc = copy_fetched(c, i, e);
	}
	if (rc < 0) {
		layertar_abort(c->t);
		return -1;
	}
	return layertar_close(c->t, NULL, e);
}

/* ---------------------------------------------------------- the key */

/* The content of what the context gives: names, types, modes, sizes,
 * link targets and bytes; no times (BuildKit's content key). */
static int hash_tree(struct copy *c, int dirfd, const char *name, const char *rel, struct digest *d, struct err *e)
{
	struct stat st;
	char buf[1 << 14];
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, EXIT_PACK, "stat %s", rel);
	int n = snprintf(buf, sizeof buf, "%s\n%o %lld\n", rel, (unsigned)st.st_mode, (long long)st.st_size);
	digest_update(d, buf, (size_t)n);
	if (S_ISLNK(st.st_mode)) {
		ssize_t k = readlinkat(dirfd, name, buf, sizeof buf);
		digest_update(d, buf, k > 0 ? (size_t)k : 0);
	} else if (S_ISREG(st.st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		ssize_t k;
		if (fd < 0)
			return err_sys(e, EXIT_PACK, "read %s", rel);
		while ((k = read(fd, buf, sizeof buf)) > 0)
			digest_update(d, buf, (size_t)k);
		close(fd);
	} else if (S_ISDIR(st.st_mode)) {
		int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), cnt = 0, rc = 0;
		char **names = sub >= 0 ? dir_names(sub, &cnt) : NULL;
		for (int i = 0; names && rc == 0 && i < cnt; i++) {
			char r[PATH_MAX];
			snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
			if (!excluded(c, r) || ignore_may_include_below(c->b->ig, r))
				rc = hash_tree(c, sub, names[i], r, d, e);
		}
		if (names)
			names_free(names, cnt);
		if (sub >= 0)
			close(sub);
		return rc;
	}
	return 0;
}

/* A source whose symlinks lead out of the context is refused (reading it
 * stays confined anyway: open_in_root). */
static int inside_context(const struct copy *c, const char *srel, struct err *e)
{
	char *top = realpath(c->b->o->context, NULL), *p = path_join(c->b->o->context, srel);
	char *real = p ? realpath(p, NULL) : NULL;
	size_t n = top ? strlen(top) : 0;
	int ok = !real || (top && !strncmp(real, top, n) && (real[n] == '/' || !real[n] || n == 1));
	free(top), free(p), free(real);
	return ok ? 0 : err_set(e, EXIT_PACK, "%s: a symlink leads out of the build context", srel);
}

static int context_key(struct copy *c, struct digest *d, struct err *e)
{
	struct found f = { 0 };
	int rc = sources(c, &f, e);
	for (int i = 0; rc == 0 && i < f.n; i++)
		rc = inside_context(c, f.v[i], e);
	for (int i = 0; rc == 0 && i < f.n; i++) {
		char real[PATH_MAX];
		int fd = *f.v[i] ? open_in_root(c->srcfd, f.v[i], O_PATH) : dup(c->srcfd);
		rc = fd < 0 || rel_of(c->srcfd, fd, real, sizeof real) < 0 ? err_set(e, EXIT_PACK, "%s: not found in the build context", f.v[i]) : 0;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			rc = hash_tree(c, c->srcfd, *real ? real : ".", real, d, e);
	}
	for (int i = 0; i < f.n; i++)
		free(f.v[i]);
	free(f.v);
	return rc;
}

/* ---------------------------------------------------------- the step */

static int parse_flags(struct copy *c, struct err *e)
{
	struct builder *b = c->b;
	const char *v;
	if ((v = df_flag(b->in, "chown")) && *v && !(c->chown = b_expand(b, v, e)))
		return -1;
	if ((v = df_flag(b->in, "chmod"))) {
		char *end;
		long m = strtol(v, &end, 8);
		if (!*v || *end || m < 0 || m > 07777)
			return b_fail(b, e, "--chmod=%s: want an octal mode such as 0755", v);
		c->chmod = m;
	}
	static const char *const unsupported[] = { "parents", "exclude", NULL };
	for (int i = 0; unsupported[i]; i++)
		if (df_flag(b->in, unsupported[i]))
			return b_fail(b, e, "--%s is not supported by boxcar build yet", unsupported[i]);
	return 0;
}

static int words(struct copy *c, struct err *e)
{
	struct builder *b = c->b;
	if (!b->in->json)
		return b_expand_words(b, b->in->rest, &c->srcs, &c->nsrcs, e);
	c->srcs = calloc((size_t)b->in->nargs + 1, sizeof *c->srcs);
	for (int i = 0; c->srcs && i < b->in->nargs; i++, c->nsrcs++)
		if (!(c->srcs[i] = b_expand(b, b->in->args[i], e)))
			return -1;
	return c->srcs ? 0 : err_set(e, EXIT_PACK, "out of memory");
}

/* Sources and destination; --from's image. */
static int prepare(struct copy *c, char fromkey[DIGEST_STR], struct err *e)
{
	struct builder *b = c->b;
	const char *kind = df_kind_name(b->in->kind), *from = df_flag(b->in, "from");
	if (parse_flags(c, e) < 0 || words(c, e) < 0)
		return -1;
	if (c->nsrcs < 2 && !(c->nsrcs == 1 && b->in->nheredocs))
		return b_fail(b, e, "%s needs a source and a destination", kind);
	const char *dest = c->nsrcs >= 2 || !b->in->nheredocs ? c->srcs[--c->nsrcs] : ".";
	c->dest_slash = dest[strlen(dest) - 1] == '/' || !strcmp(dest, ".");
	if (!(c->dest = b_clean_path(b_workdir(b->cur->img.config), dest)))
		return err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; i < c->nsrcs; i++) {
		const char *s = c->srcs[i];
		if (is_url(s) && (!c->add || b->o->net == RUNNER_NET_NONE))
			return b_fail(b, e, c->add ? "ADD %s: a URL, but the build has --network none"
					 : "COPY %s: COPY takes no URLs (ADD does)", s);
		if (!from && !heredoc_of(c, s) && !is_url(s) && !stays_inside(s))
			return b_fail(b, e, "%s %s: the source is outside the build context", kind, s);
	}
	if (!from)
		return 0;
	char *ref = b_expand(b, from, e);
	if (!ref)
		return -1;
	struct stage *st = b_stage(b, ref);
	int rc = 0;
	if (st && st < b->cur)
		c->from = &st->img, memcpy(fromkey, st->key, DIGEST_STR);
	else if (st)
		rc = b_fail(b, e, "--from=%s: a stage can only copy from an earlier one", ref);
	else if ((rc = from_source(b, ref, &c->from_img, fromkey, e)) == 0)
		c->from = &c->from_img;
	free(ref);
	return rc;
}

/* ADD's URLs, fetched into the scratch dir (each time: the cache key is
 * their content, as BuildKit's); --checksum is held against each. */
static int fetch_urls(struct copy *c, struct err *e)
{
	const char *want = df_flag(c->b->in, "checksum");
	c->fetched = calloc((size_t)c->nsrcs + 1, sizeof *c->fetched);
	c->sums = calloc((size_t)c->nsrcs + 1, sizeof *c->sums);
	if (!c->fetched || !c->sums)
		return err_set(e, EXIT_PACK, "out of memory");
	int n = 0;
	for (int i = 0; i < c->nsrcs; i++) {
		if (!is_url(c->srcs[i]))
			continue;
		if (asprintf(&c->fetched[i], "%s/url.%d", c->scratch, i) < 0)
			return c->fetched[i] = NULL, err_set(e, EXIT_PACK, "out of memory");
		if (log_level > LOG_QUIET)
			fprintf(stderr, "  fetching %s\n", c->srcs[i]);
		if (url_fetch(c->srcs[i], &c->b->o->pull, c->fetched[i], c->sums[i], e) < 0)
			return -1;
		if (want && strcmp(want, c->sums[i]))
			return err_set(e, EXIT_PACK, "%s: --checksum %s does not match the content's %s", c->srcs[i], want, c->sums[i]);
		n++;
	}
	if (want && !n)
		return err_set(e, EXIT_PACK, "--checksum is for a URL source");
	return 0;
}

static int step_key(struct copy *c, const char *fromkey, struct err *e)
{
	struct digest d;
	char head[256];
	digest_init(&d);
	int n = snprintf(head, sizeof head, "%s\n%s\n%s\n%ld\n%s\n", c->b->cur->key, df_kind_name(c->b->in->kind),
			 c->chown ? c->chown : "", c->chmod, c->dest);
	digest_update(&d, head, (size_t)n);
	digest_update(&d, c->b->in->text, strlen(c->b->in->text) + 1);
	for (int i = 0; i < c->b->in->nheredocs; i++)
		digest_update(&d, c->b->in->heredocs[i].body, strlen(c->b->in->heredocs[i].body) + 1);
	for (int i = 0; i < c->nsrcs; i++) {
		digest_update(&d, c->srcs[i], strlen(c->srcs[i]) + 1);
		if (c->fetched && c->fetched[i])
			digest_update(&d, c->sums[i], strlen(c->sums[i]));
	}
	if (c->from)
		digest_update(&d, fromkey, strlen(fromkey));
	else if (context_key(c, &d, e) < 0)
		return -1;
	digest_final(&d, c->key);
	return 0;
}

int copy_step(struct builder *b, struct err *e)
{
	struct copy c = { .b = b, .add = b->in->kind == DF_ADD, .chmod = -1, .srcfd = b->ctx, .dstfd = -1 };
	char fromkey[DIGEST_STR] = "", *scratch = NULL, *tar = NULL;
	int rc = prepare(&c, fromkey, e) < 0 ? -1 : 0;
	if (rc == 0 && (!(scratch = store_scratch(&b->s, e)) || asprintf(&tar, "%s.tar", scratch) < 0))
		rc = -1, tar = NULL;
	c.scratch = scratch, c.tar = tar;
	if (rc == 0 && ((c.add && fetch_urls(&c, e) < 0) || step_key(&c, fromkey, e) < 0))
		rc = b_wrap(b, e, df_kind_name(b->in->kind));
	if (rc == 0 && b_cached(b, c.key))
		rc = 1;
	else if (rc == 0) {
		if (sandbox_call(&b->s, &b->cur->img, c.from, copy_in_child, &c, e) < 0)
			rc = b_wrap(b, e, df_kind_name(b->in->kind));
		if (rc == 0)
			rc = b_add_layer(b, tar, c.key, e);
	}
	if (rc >= 0)
		memcpy(b->cur->key, c.key, sizeof c.key);
	if (scratch)
		rmtree_at(AT_FDCWD, scratch);
	if (tar)
		unlink(tar);
	free(scratch), free(tar);
	for (int i = 0; c.fetched && i < c.nsrcs; i++)
		free(c.fetched[i]);
	free(c.fetched), free(c.sums);
	df_strv_free(c.srcs);
	free(c.dest);
	free((char *)c.chown);
	bimage_free(&c.from_img);
	return rc;
}

/* ---------------------------------------------------------- WORKDIR */

static int workdir_in_child(struct sandbox *sb, void *arg, struct err *e)
{
	struct copy *c = arg;
	char rel[PATH_MAX];
	c->now.tv_sec = c->b->epoch >= 0 ? c->b->epoch : time(NULL);
	if (mount_views(c, sb, e) < 0 || owner(c, sb, e) < 0 || !(c->t = layertar_open(c->tar, 1, c->b->epoch, e)))
		return -1;
	/* (parents() makes what is missing above a name: the "." below the dir) */
	snprintf(rel, sizeof rel, "%s/.", c->dest + 1);
	if (!is_dir_dst(c, c->dest + 1) && parents(c, rel, e) < 0) {
		layertar_abort(c->t);
		return -1;
	}
	return layertar_close(c->t, NULL, e);
}

int workdir_layer(struct builder *b, struct err *e)
{
	const char *dir = b_workdir(b->cur->img.config);
	const char *user = json_str(cJSON_GetObjectItemCaseSensitive(b->cur->img.config, "config"), "User");
	struct copy c = { .b = b, .chmod = -1, .srcfd = b->ctx, .dstfd = -1, .dest = (char *)dir,
			  .chown = user && *user ? user : NULL };
	char *text = NULL, *scratch = NULL, *tar = NULL;
	if (asprintf(&text, "WORKDIR\n%s\n%s", dir, c.chown ? c.chown : "") < 0)
		return err_set(e, EXIT_PACK, "out of memory");
	b_key(b->cur->key, text, strlen(text), c.key);
	free(text);
	int rc = 0;
	if (b_cached(b, c.key))
		rc = 1;
	else {
		scratch = store_scratch(&b->s, e);
		rc = scratch && asprintf(&tar, "%s.tar", scratch) >= 0 ? 0 : -1;
		c.scratch = scratch, c.tar = tar;
		if (rc == 0 && sandbox_call(&b->s, &b->cur->img, NULL, workdir_in_child, &c, e) < 0)
			rc = b_wrap(b, e, "WORKDIR");
		if (rc == 0)
			rc = b_add_layer(b, tar, c.key, e);
		if (scratch)
			rmtree_at(AT_FDCWD, scratch);
		if (tar)
			unlink(tar);
		free(scratch), free(tar);
	}
	if (rc >= 0)
		memcpy(b->cur->key, c.key, sizeof c.key);
	return rc;
}
