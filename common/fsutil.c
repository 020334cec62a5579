#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "beneath.h"
#include "xio.h"

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
	int fd = beneath_step(dirfd, name, 0);
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

/* $NAME when it is an existing absolute directory, else NULL. */
static const char *local_dir(const char *name)
{
	const char *v = getenv(name);
	struct stat st;
	return v && v[0] == '/' && stat(v, &st) == 0 && S_ISDIR(st.st_mode) ? v : NULL;
}

/* Node-local storage of a Slurm job, or NULL (fsutil.h). */
static char *node_local(const char **from)
{
	const char *dir = local_dir("SLURM_TMPDIR");
	*from = "SLURM_TMPDIR";
	if (!dir && getenv("SLURM_JOB_ID") && *getenv("SLURM_JOB_ID"))
		dir = local_dir("TMPDIR"), *from = "TMPDIR";
	if (!dir)
		return NULL;
	char leaf[32];
	snprintf(leaf, sizeof leaf, "boxcar-%u", (unsigned)geteuid());
	return path_join(dir, leaf);
}

char *cache_root_choose(enum cache_origin *origin, const char **from)
{
	enum cache_origin o = CACHE_HOME;
	const char *f = NULL, *v = getenv("BOXCAR_CACHE");
	char *root = NULL;
	if (v && *v)
		o = CACHE_SET, root = strdup(v);
	else if ((root = node_local(&f)))
		o = CACHE_NODE_LOCAL;
	else if ((v = getenv("XDG_CACHE_HOME")) && *v == '/')
		root = path_join(v, "boxcar");
	else if ((v = getenv("HOME")) && *v == '/')
		root = path_join(v, ".cache/boxcar");
	if (origin)
		*origin = o;
	if (from)
		*from = o == CACHE_NODE_LOCAL ? f : NULL;
	return root;
}

char *cache_root_path(void)
{
	return cache_root_choose(NULL, NULL);
}

int is_whiteout_at(int dirfd, const char *name, const struct stat *st)
{
	if (S_ISCHR(st->st_mode) && st->st_rdev == 0)
		return 1;
	if (!S_ISREG(st->st_mode) || st->st_size != 0)
		return 0;
	char v[2];
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int yes = fd >= 0 && fgetxattr(fd, "user.overlay.whiteout", v, sizeof v) >= 0;
	if (fd >= 0)
		close(fd);
	return yes;
}
