/* Mounts with mount(2) alone (legacymount.h). */
#include "legacymount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "../common/fallback.h"
#include "../common/fsutil.h"
#include "../common/xio.h"
#include "sys.h"

/* 1 when mounts are made with mount(2) alone (MS_BIND, MS_REMOUNT, MS_MOVE):
 * the new mount API is missing (open_tree, move_mount, fsopen: Linux 5.2;
 * mount_setattr: 5.12), or forced by the test switch. Asked once per
 * process, of mount_setattr, the newest of them: a kernel that has it has
 * them all, and one without it could not make a read-only bind with them. */
int mount_legacy(void)
{
	static int cached = -1;
	if (cached < 0) {
		int saved = errno;
		cached = fallback_forced("no-mount-api") ||
			 (sys_mount_setattr(-1, "", 0, NULL) < 0 && errno == ENOSYS);
		errno = saved;
	}
	return cached;
}

/* fd's path for mount(2): the object the fd holds, never a path string
 * the image's symlinks could redirect */
const char *fd_path(char at[32], int fd)
{
	snprintf(at, 32, "/proc/self/fd/%d", fd);
	return at;
}

/* A remount of a bind in a user namespace must keep the flags the kernel
 * locked on it (those of the mount it copies), or it is refused (EPERM):
 * the atime mode too, strictatime being the absence of the others. */
static unsigned long locked_flags(unsigned long f)
{
	static const unsigned long map[][2] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long m = f & (ST_NOATIME | ST_RELATIME) ? 0 : MS_STRICTATIME;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (f & map[i][0])
			m |= map[i][1];
	return m;
}

/* Make the mount whose root mfd holds read-only (that mount only: a
 * recursive bind's submounts keep their flags; see bind_legacy). */
int remount_ro(int mfd, const char *what, struct err *e)
{
	struct statvfs sv;
	char at[32];
	/* (the bind's own flags are those of its source, copied when bound) */
	if (fstatvfs(mfd, &sv) < 0 ||
	    mount(NULL, fd_path(at, mfd), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(sv.f_flag), NULL) < 0)
		return err_sys(e, EXIT_SETUP, "make %s read-only", what);
	return 0;
}

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = 0;
}

/* The mount point field of a mountinfo line (the fifth), unescaped. */
static char *mount_point_of(char *line)
{
	char *p = line;
	for (int i = 0; i < 4 && p; i++)
		if ((p = strchr(p, ' ')))
			p++;
	if (!p || !*p)
		return NULL;
	p[strcspn(p, " \n")] = 0;
	unescape(p);
	return p;
}

/* Legacy: the submounts of the bind whose root mfd holds made read-only
 * too, as mount_setattr's AT_RECURSIVE does (mount(2) remounts one mount
 * at a time): found in /proc/self/mountinfo below the bind's path, each
 * opened beneath the bind (never by the path string itself). */
int remount_ro_below(int mfd, const char *what, struct err *e)
{
	char at[32], top[PATH_MAX];
	ssize_t n = readlink(fd_path(at, mfd), top, sizeof top - 1);
	FILE *f = n < 0 ? NULL : fopen("/proc/self/mountinfo", "re");
	if (!f)
		return err_sys(e, EXIT_SETUP, "list the mounts below %s", what);
	top[n] = 0;
	char *line = NULL, *mp;
	size_t cap = 0;
	int rc = 0;
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		if (!(mp = mount_point_of(line)) || strncmp(mp, top, (size_t)n) || mp[n] != '/')
			continue;
		int fd = open_in_root(mfd, mp + n, O_PATH | O_NOFOLLOW);
		rc = fd < 0 ? err_sys(e, EXIT_SETUP, "open %s%s", what, mp + n) : remount_ro(fd, mp, e);
		if (fd >= 0)
			close(fd);
	}
	free(line);
	fclose(f);
	return rc;
}

/* Legacy: bind src (a host path, before pivot_root, or a /proc/self/fd
 * path) on path in the new root, through the target's fd; with B_RO, the
 * new mount, opened again by its path (the target's fd still names what
 * it covers) and checked to be src, is made read-only. */
int bind_legacy(int root, const char *src, const char *path, int how, struct err *e)
{
	struct stat want, got;
	char at[32];
	if (stat(src, &want) < 0)
		return err_sys(e, EXIT_SETUP, "cannot bind '%s'", src);
	int tfd = target_in_root(root, path, how & B_DIR, e);
	if (tfd < 0)
		return -1;
	int rc = mount(src, fd_path(at, tfd), NULL, MS_BIND | (how & B_REC ? MS_REC : 0), NULL);
	close_keep_errno(tfd);
	if (rc < 0)
		return err_sys(e, EXIT_SETUP, "bind '%s' on %s", src, path);
	if (!(how & B_RO))
		return 0;
	int mfd = open_in_root(root, path, O_PATH | O_NOFOLLOW);
	if (mfd < 0 || fstat(mfd, &got) < 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
		rc = mfd < 0 ? err_sys(e, EXIT_SETUP, "open %s", path)
			: err_set(e, EXIT_SETUP, "%s is not what was bound there", path);
	} else {
		rc = remount_ro(mfd, path, e);
		if (rc == 0 && (how & B_REC))
			rc = remount_ro_below(mfd, path, e);
	}
	if (mfd >= 0)
		close(mfd);
	return rc;
}
