/* The path walker beneath a root (beneath.h). */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fallback.h"
#include "xio.h"

#define MAX_LINKS 40     /* as the kernel's own limit on symlinks in a lookup */
#define MAX_DEPTH 128

int beneath_next(const char **p, const char *all, char comp[NAME_MAX + 1], struct err *e)
{
	for (;;) {
		const char *s = *p + strspn(*p, "/");
		size_t n = strcspn(s, "/");
		*p = s + n;
		if (n == 0)
			return 0;
		if (n > NAME_MAX)
			return err_set(e, EXIT_SETUP, "path component too long in '%s'", all);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return err_set(e, EXIT_SETUP, "path '%s' leaves the root ('..')", all);
		if (n == 1 && s[0] == '.')
			continue;
		memcpy(comp, s, n);
		comp[n] = 0;
		return 1;
	}
}

int beneath_step(int dirfd, const char *comp, int mkdirs)
{
	int fd = openat(dirfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && mkdirs) {
		if (mkdirat(dirfd, comp, 0755) < 0 && errno != EEXIST)
			return -1;
		fd = openat(dirfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

int path_parent_beneath(int rootfd, const char *rel, int mkdirs, char *leafbuf, struct err *e)
{
	char comp[NAME_MAX + 1];
	const char *p = rel;
	int fd = dup(rootfd), more;
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "dup");
	leafbuf[0] = 0;
	while ((more = beneath_next(&p, rel, comp, e)) > 0) {
		if (p[strspn(p, "/")] == 0) {   /* the last component: the leaf */
			memcpy(leafbuf, comp, strlen(comp) + 1);
			return fd;
		}
		int next = beneath_step(fd, comp, mkdirs);
		if (next < 0) {
			close_keep_errno(fd);
			return err_sys(e, EXIT_SETUP, "open directory '%s' (in '%s')", comp, rel);
		}
		close(fd);
		fd = next;
	}
	close(fd);
	return more < 0 ? -1 : err_set(e, EXIT_SETUP, "empty path '%s'", rel);
}

/* ---- in root ---- */

struct bc_open_how { uint64_t flags, mode, resolve; };
#define BC_RESOLVE_NO_MAGICLINKS 0x02
#define BC_RESOLVE_IN_ROOT 0x10

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct bc_open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = BC_RESOLVE_IN_ROOT | BC_RESOLVE_NO_MAGICLINKS };
	if (fallback_forced("no-openat2"))
		return errno = ENOSYS, -1;
	return (int)syscall(SYS_openat2, rootfd, path[0] ? path : ".", &how, sizeof how);
}

struct rwalk {
	int fd[MAX_DEPTH];     /* fd[0]: the root; fd[depth]: where the walk is */
	int depth, links;
	char rest[2 * PATH_MAX];
};

static void rwalk_close(struct rwalk *w, int keep_top)
{
	for (int i = keep_top ? w->depth - 1 : w->depth; i >= 0; i--)
		close(w->fd[i]);
}

/* A symlink at comp: its text replaces comp in what is left to walk
 * (p points after comp in w->rest). An absolute one starts from the root. */
static int rwalk_link(struct rwalk *w, const char *comp, const char *p)
{
	char target[PATH_MAX], tail[PATH_MAX];
	ssize_t n = readlinkat(w->fd[w->depth], comp, target, sizeof target - 1);
	if (n < 0)
		return -1;
	if (++w->links > MAX_LINKS)
		return errno = ELOOP, -1;
	target[n] = 0;
	if (strlen(p) >= sizeof tail)
		return errno = ENAMETOOLONG, -1;
	memcpy(tail, p, strlen(p) + 1);
	if (snprintf(w->rest, sizeof w->rest, "%s/%s", target, tail) >= (int)sizeof w->rest)
		return errno = ENAMETOOLONG, -1;
	if (target[0] == '/')
		while (w->depth > 0)
			close(w->fd[w->depth--]);
	return 0;
}

/* Walk `path` in root, each symlink's text followed inside it; with
 * follow_last the last component's too. Leaves w->fd[w->depth] at the
 * directory holding the last component, copied into leaf ("." when the
 * path names a directory itself). With mkdirs, missing directories on the
 * way are created. 0, or -1 with errno. */
static int rwalk(struct rwalk *w, int rootfd, const char *path, int follow_last, int mkdirs,
		 char leaf[NAME_MAX + 1])
{
	w->depth = 0, w->links = 0;
	if ((w->fd[0] = dup(rootfd)) < 0)
		return -1;
	snprintf(w->rest, sizeof w->rest, "%s", path);
	for (char *p = w->rest;;) {
		struct stat st;
		p += strspn(p, "/");
		size_t n = strcspn(p, "/");
		if (n == 0)
			return snprintf(leaf, NAME_MAX + 1, "."), 0;
		if (n > NAME_MAX)
			return rwalk_close(w, 0), errno = ENAMETOOLONG, -1;
		memcpy(leaf, p, n);
		leaf[n] = 0;
		p += n;
		int last = p[strspn(p, "/")] == 0;
		if (!strcmp(leaf, "..") && w->depth > 0)   /* (".." at the root stays there) */
			close(w->fd[w->depth--]);
		if (!strcmp(leaf, ".") || !strcmp(leaf, ".."))
			continue;
		int fd = w->fd[w->depth];
		if (fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT || (!last && !mkdirs))
				return rwalk_close(w, 0), -1;
			if (last)
				return 0;
			if (mkdirat(fd, leaf, 0755) < 0 && errno != EEXIST)
				return rwalk_close(w, 0), -1;
			st.st_mode = S_IFDIR;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			if (rwalk_link(w, leaf, p) < 0)
				return rwalk_close(w, 0), -1;
			p = w->rest;
			continue;
		}
		if (last)
			return 0;
		int next = w->depth + 1 < MAX_DEPTH ? openat(fd, leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) :
			   (errno = ENAMETOOLONG, -1);
		if (next < 0)
			return rwalk_close(w, 0), -1;
		w->fd[++w->depth] = next;
	}
}

int open_in_root(int rootfd, const char *path, int flags)
{
	struct rwalk w;
	char leaf[NAME_MAX + 1];
	int fd = openat2_in_root(rootfd, path, flags);
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	if (rwalk(&w, rootfd, path, !(flags & O_NOFOLLOW), 0, leaf) < 0)
		return -1;
	fd = openat(w.fd[w.depth], leaf, flags | O_NOFOLLOW | O_CLOEXEC);
	int saved = errno;
	rwalk_close(&w, 0);
	return errno = saved, fd;
}

/* The leaf of a mount target in dirfd: made, or kept when it is of the right kind. */
static int target_leaf(int dirfd, const char *leaf, int dir, const char *path, struct err *e)
{
	struct stat st;
	if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
	    unlinkat(dirfd, leaf, 0) < 0)
		return err_sys(e, EXIT_SETUP, "replace symlink %s", path);
	int fd = dir ? mkdirat(dirfd, leaf, 0755) :
		 openat(dirfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return err_sys(e, EXIT_SETUP, "create %s", path);
	if (!dir && fd >= 0)
		close(fd);
	fd = openat(dirfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "open %s", path);
	if (fstat(fd, &st) < 0) {
		close_keep_errno(fd);
		return err_sys(e, EXIT_SETUP, "stat %s", path);
	}
	if (!S_ISDIR(st.st_mode) != !dir) {
		close(fd);
		return err_set(e, EXIT_SETUP, "%s is %s", path, dir ? "not a directory" : "a directory");
	}
	return fd;
}

int target_in_root(int rootfd, const char *path, int dir, struct err *e)
{
	struct rwalk w;
	struct stat st;
	char leaf[NAME_MAX + 1], parent[PATH_MAX];
	/* the common case in one call: it is there, of the right kind */
	int fd = openat2_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode) == !dir)
		return fd;
	if (fd >= 0)
		close(fd);
	const char *slash = strrchr(path, '/');
	snprintf(leaf, sizeof leaf, "%s", slash ? slash + 1 : path);
	snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - path) : 0, path);
	/* the parent as it is (the common case), else walked, made as needed */
	int pfd = *leaf && strcmp(leaf, ".") && strcmp(leaf, "..") ?
		  openat2_in_root(rootfd, parent, O_PATH | O_DIRECTORY) : -1;
	if (pfd < 0) {
		if (rwalk(&w, rootfd, path, 0, 1, leaf) < 0)
			return err_sys(e, EXIT_SETUP, "create the directories of %s", path);
		pfd = w.fd[w.depth];
		w.depth--;
		rwalk_close(&w, 0);
	}
	fd = !strcmp(leaf, ".") ? openat(pfd, ".", O_PATH | O_CLOEXEC) : target_leaf(pfd, leaf, dir, path, e);
	if (fd < 0 && !e->code)
		err_sys(e, EXIT_SETUP, "open %s", path);
	close(pfd);
	return fd;
}

int dir_in_root(int rootfd, const char *path, struct err *e)
{
	struct rwalk w;
	char leaf[NAME_MAX + 1];
	int fd = openat2_in_root(rootfd, path, O_PATH | O_DIRECTORY);
	if (fd >= 0)
		return fd;
	if (rwalk(&w, rootfd, path, 1, 1, leaf) < 0)
		return err_sys(e, EXIT_SETUP, "create directory %s", path);
	int d = w.fd[w.depth];
	if (strcmp(leaf, ".") && mkdirat(d, leaf, 0755) < 0 && errno != EEXIST)
		fd = err_sys(e, EXIT_SETUP, "create directory %s", path);
	else if ((fd = openat(d, leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		err_sys(e, EXIT_SETUP, "open directory %s", path);
	rwalk_close(&w, 0);
	return fd;
}
