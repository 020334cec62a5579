#include "copy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>
#include "fsutil.h"

int copy_meta_at(int ddir, const char *name, const struct stat *st)
{
	int flags = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (fchownat(ddir, name, st->st_uid, st->st_gid, flags) < 0 && errno != EINVAL)
		return -1;
	/* (a symlink's mode is not its own to set) */
	if (!S_ISLNK(st->st_mode) &&
	    (*name ? fchmodat(ddir, name, st->st_mode & 07777, 0) : fchmod(ddir, st->st_mode & 07777)) < 0)
		return -1;
	return *name ? utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) : futimens(ddir, ts);
}

/* The bytes of a regular file: copy_file_range where the kernel can
 * (reflinks, in-kernel copies), else sendfile. */
static int copy_bytes(int in, int out, off_t size)
{
	off_t left = size;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
			n = sendfile(out, in, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;   /* the file shrank meanwhile: keep what was read */
		left -= n;
	}
	return 0;
}

static int copy_regular(int sdir, const char *name, const struct stat *st, int ddir)
{
	int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = out < 0 ? -1 : copy_bytes(in, out, st->st_size);
	int saved = errno;
	close(in);
	if (out >= 0 && close(out) < 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

int copy_entry_at(int sdir, const char *name, const struct stat *st, int ddir)
{
	char target[PATH_MAX];
	int rc;
	if (S_ISREG(st->st_mode)) {
		rc = copy_regular(sdir, name, st, ddir);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(sdir, name, target, sizeof target - 1);
		if (n < 0)
			return -1;
		target[n] = 0;
		rc = symlinkat(target, ddir, name);
	} else if (S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		rc = mknodat(ddir, name, st->st_mode & (S_IFMT | 0600), st->st_rdev);
	} else {
		return 0;   /* a socket: meaningless without its server */
	}
	return rc < 0 ? -1 : copy_meta_at(ddir, name, st);
}

int dir_pair_open(int sdir, int ddir, const char *name, int fds[2])
{
	fds[0] = beneath_step(sdir, name, 0);
	fds[1] = fds[0] < 0 ? -1 : beneath_step(ddir, name, 0);
	if (fds[1] >= 0)
		return 0;
	dir_pair_close(fds);
	return -1;
}

void dir_pair_close(const int fds[2])
{
	int saved = errno;
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	errno = saved;
}

int copy_tree_at(int sdir, int ddir)
{
	DIR *d = dir_stream(sdir);
	if (!d)
		return -1;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		struct stat st;
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = -1;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc = copy_entry_at(sdir, name, &st, ddir);
			continue;
		}
		int fds[2];
		if (mkdirat(ddir, name, 0700) < 0 || dir_pair_open(sdir, ddir, name, fds) < 0) {
			rc = -1;
			break;
		}
		rc = copy_tree_at(fds[0], fds[1]) < 0 || copy_meta_at(fds[1], "", &st) < 0 ? -1 : 0;
		dir_pair_close(fds);
	}
	if (rc == 0 && errno)
		rc = -1;
	closedir(d);
	return rc;
}
