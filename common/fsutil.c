#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fallback.h"
#include "xio.h"

static int open_dir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int path_parent_beneath(int rootfd, const char *rel, int mkdirs,
			char *leafbuf, struct err *e)
{
	char comp[NAME_MAX + 1];
	const char *p = rel;
	int fd = dup(rootfd);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "dup");
	leafbuf[0] = 0;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		const char *rest = end;
		while (*rest == '/')
			rest++;
		if (len == 0)
			break;
		if (len > NAME_MAX) {
			close(fd);
			return err_set(e, EXIT_SETUP, "path component too long in '%s'", rel);
		}
		memcpy(comp, p, len);
		comp[len] = 0;
		p = end;
		if (strcmp(comp, "..") == 0) {
			close(fd);
			return err_set(e, EXIT_SETUP, "path '%s' leaves the root ('..')", rel);
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (*rest == 0) {           /* last component: the leaf */
			memcpy(leafbuf, comp, len + 1);
			return fd;
		}
		int next = open_dir_at(fd, comp);
		if (next < 0 && errno == ENOENT && mkdirs) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				close(fd);
				return err_sys(e, EXIT_SETUP, "mkdir '%s' (in '%s')", comp, rel);
			}
			next = open_dir_at(fd, comp);
		}
		if (next < 0) {
			close(fd);
			return err_sys(e, EXIT_SETUP, "open directory '%s' (in '%s')", comp, rel);
		}
		close(fd);
		fd = next;
	}
	close(fd);
	return err_set(e, EXIT_SETUP, "empty path '%s'", rel);
}

int dir_dup(int dirfd)
{
	return openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

DIR *dir_stream(int dirfd)
{
	int fd = dir_dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d && fd >= 0) {
		close_keep_errno(fd);
	}
	return d;
}

int empty_dir(int dirfd)
{
	DIR *d = dir_stream(dirfd);
	if (!d)
		return -1;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rmtree_at(dirfd, de->d_name) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int rmtree_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	/* a directory: make it writable and searchable, empty it, remove it */
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return -1;
	if ((st.st_mode & 0700) != 0700)
		fchmodat(dirfd, name, (st.st_mode & 07777) | 0700, 0);
	int fd = open_dir_at(dirfd, name);
	if (fd < 0)
		return -1;
	int rc = empty_dir(fd);
	close(fd);
	if (rc < 0)
		return -1;
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return errno = ENAMETOOLONG, -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -1;
			*p = c;
			if (!c)
				break;
		}
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
}

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++, lb--;
	char *s = malloc(la + lb + 2);
	if (!s)
		return NULL;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

struct bc_open_how { uint64_t flags, mode, resolve; };
#define BC_RESOLVE_NO_MAGICLINKS 0x02
#define BC_RESOLVE_IN_ROOT 0x10

int open_in_root(int rootfd, const char *path, int flags)
{
	struct bc_open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = BC_RESOLVE_IN_ROOT | BC_RESOLVE_NO_MAGICLINKS };
	int fd = fallback_forced("no-openat2") ? (errno = ENOSYS, -1) :
		 (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	struct err e = { 0 };
	char leaf[NAME_MAX + 1];
	int dfd = path_parent_beneath(rootfd, path, 0, leaf, &e);
	if (dfd < 0)
		return errno = ENOENT, -1;
	fd = openat(dfd, leaf, flags | O_NOFOLLOW | O_CLOEXEC);
	close_keep_errno(dfd);
	return fd;
}

int cwd_enter(const char *path, int dirfd)
{
	int saved = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (saved < 0)
		return -1;
	if ((path ? chdir(path) : fchdir(dirfd)) < 0) {
		close_keep_errno(saved);
		return -1;
	}
	return saved;
}

int cwd_leave(int saved)
{
	int rc = fchdir(saved);
	close_keep_errno(saved);
	return rc;
}

int private_dir_open(int dirfd, const char *name, struct stat *st)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		close_keep_errno(fd);
		return -1;
	}
	if (st->st_uid != geteuid() || (st->st_mode & 022)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

char *cache_root_path(void)
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
