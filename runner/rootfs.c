#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>
#include "../common/copy.h"
#include "../common/fallback.h"
#include "../common/fsutil.h"
#include "../common/xio.h"
#include "diagnose.h"
#include "legacymount.h"
#include "net.h"
#include "sys.h"

/* Host things cloned before pivot_root, attached after it. */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
#define NDEV (sizeof dev_nodes / sizeof dev_nodes[0])
/* Bound from the state tmpfs, as Docker does, so that they are fresh on
 * each start and never part of the writable layer; the host's own copies
 * of the first NETC are read. */
#define NETC 2
#define NETC_ALL 3
static const char *const etc_files[NETC_ALL] = { "/etc/hosts", "/etc/resolv.conf", "/etc/hostname" };

struct host_trees {
	int sys;
	int dev[NDEV];
	int *vol;
	int *devices, *driver;   /* s->devices, s->driver_files */
	char *etc[NETC];   /* contents of the host's files, NULL if absent */
	int etcfd[NETC_ALL];
};

/* A detached copy of the mount tree at path in dfd (dfd itself when path
 * is ""), to attach elsewhere. */
static int clone_tree_at(int dfd, const char *path, int recursive, int readonly, struct err *e)
{
	unsigned flags = BC_OPEN_TREE_CLONE | BC_OPEN_TREE_CLOEXEC | (recursive ? BC_AT_RECURSIVE : 0) |
			 (*path ? 0 : BC_AT_EMPTY_PATH);
	int fd = sys_open_tree(dfd, path, flags);
	if (fd < 0)
		return *path ? err_sys(e, EXIT_SETUP, "cannot bind '%s'", path) : err_sys(e, EXIT_SETUP, "cannot bind it");
	if (readonly) {
		struct bc_mount_attr a = { .attr_set = BC_MOUNT_ATTR_RDONLY };
		if (sys_mount_setattr(fd, "", BC_AT_EMPTY_PATH | BC_AT_RECURSIVE, &a) < 0) {
			close(fd);
			return err_sys(e, EXIT_SETUP, "cannot make '%s' read-only", path);
		}
	}
	return fd;
}

static int clone_tree(const char *path, int recursive, int readonly, struct err *e)
{
	return clone_tree_at(AT_FDCWD, path, recursive, readonly, e);
}

/* With its own network namespace the container gets a sysfs of its own
 * (its /sys/class/net shows its interfaces), read-only; -1 when the
 * kernel refuses (then the host's is used, as with host networking). */
static int own_sysfs(void)
{
	if (fallback_forced("no-own-sysfs") || mount_legacy())
		return -1;
	int fd = sys_fsopen("sysfs", BC_FSOPEN_CLOEXEC);
	if (fd < 0)
		return -1;
	int m = sys_fsconfig(fd, BC_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0
		? sys_fsmount(fd, BC_FSMOUNT_CLOEXEC, BC_MOUNT_ATTR_RDONLY | BC_MOUNT_ATTR_NOSUID |
			      BC_MOUNT_ATTR_NODEV | BC_MOUNT_ATTR_NOEXEC) : -1;
	close(fd);
	return m;
}

/* Host files to bind, cloned (read-only ones made so) */
static int grab_binds(const struct runner_bind *b, int n, int readonly, int **fds, struct err *e)
{
	if (!(*fds = calloc((size_t)n + 1, sizeof **fds)))
		return err_set(e, EXIT_SETUP, "out of memory");
	for (int i = 0; i < n; i++)
		if (((*fds)[i] = clone_tree(b[i].host, 0, readonly, e)) < 0)
			return -1;
	return 0;
}

/* (legacy: the host's trees are bound by path before pivot_root, by
 * mounts_inside; only the /etc files are read here) */
static int grab_host_trees(const struct runner_spec *s, struct host_trees *h, struct err *e)
{
	char path[64];
	h->vol = calloc((size_t)s->nvolumes + 1, sizeof *h->vol);
	if (!h->vol)
		return err_set(e, EXIT_SETUP, "out of memory");
	for (int i = 0; i < NETC; i++)
		h->etc[i] = read_file_at(AT_FDCWD, etc_files[i], 1 << 20, NULL);
	if (mount_legacy())
		return 0;
	h->sys = s->net != RUNNER_NET_HOST ? own_sysfs() : -1;
	if (h->sys < 0 && (h->sys = clone_tree("/sys", 1, 1, e)) < 0)
		return -1;
	for (size_t i = 0; i < NDEV; i++) {
		snprintf(path, sizeof path, "/dev/%s", dev_nodes[i]);
		if ((h->dev[i] = clone_tree(path, 0, 0, e)) < 0)
			return -1;
	}
	for (int i = 0; i < s->nvolumes; i++) {
		const struct runner_volume *v = &s->volumes[i];
		if ((h->vol[i] = clone_tree(v->host, 1, v->readonly, e)) < 0)
			return err_ctx(e, "volume %s:%s", v->host, v->target);
	}
	return grab_binds(s->devices, s->ndevices, 0, &h->devices, e) < 0 ||
	       grab_binds(s->driver_files, s->ndriver_files, 1, &h->driver, e) < 0 ? -1 : 0;
}

/* overlay with the new mount API: one fsconfig per lower dir ("lowerdir+",
 * Linux 6.8+) so paths need no escaping and there is no length limit. */
static int mount_overlay_fsconfig(const char *const *lowers, int nlowers, const char *upper,
				  const char *work, const char *target)
{
	int fd = sys_fsopen("overlay", BC_FSOPEN_CLOEXEC);
	if (fd < 0)
		return -1;
	int ok = sys_fsconfig(fd, BC_FSCONFIG_SET_STRING, "source", "boxcar", 0) == 0;
	for (int i = 0; ok && i < nlowers; i++)
		ok = sys_fsconfig(fd, BC_FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) == 0;
	ok = ok && (!upper || (sys_fsconfig(fd, BC_FSCONFIG_SET_STRING, "upperdir", upper, 0) == 0 &&
			       sys_fsconfig(fd, BC_FSCONFIG_SET_STRING, "workdir", work, 0) == 0)) &&
	     sys_fsconfig(fd, BC_FSCONFIG_SET_FLAG, "userxattr", NULL, 0) == 0 &&
	     sys_fsconfig(fd, BC_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0;
	int mfd = ok ? sys_fsmount(fd, BC_FSMOUNT_CLOEXEC, 0) : -1;
	close_keep_errno(fd);
	if (mfd < 0)
		return -1;
	int rc = sys_move_mount(mfd, "", AT_FDCWD, target, BC_MOVE_MOUNT_F_EMPTY_PATH);
	close_keep_errno(mfd);
	return rc;
}

/* Append `path` to an overlay option string, escaping what the option
 * parser splits on. Returns the new length (>= cap when it did not fit). */
static size_t opt_path(char *opts, size_t n, size_t cap, const char *path)
{
	for (; *path && n + 2 < cap; path++) {
		if (*path == ':' || *path == ',' || *path == '\\')
			opts[n++] = '\\';
		opts[n++] = *path;
	}
	if (*path)
		return cap;
	opts[n] = 0;
	return n;
}

/* Older kernels (< 6.8): one option string, limited to a page. */
static int mount_overlay_legacy(const char *const *lowers, int nlowers, const char *upper,
				const char *work, const char *target)
{
	char opts[4096];
	size_t cap = sizeof opts, n = (size_t)snprintf(opts, cap, "lowerdir=");
	for (int i = 0; i < nlowers && n < cap; i++) {
		if (i && n + 1 < cap)
			opts[n++] = ':';
		n = opt_path(opts, n, cap, lowers[i]);
	}
	const char *keys[] = { ",upperdir=", upper, ",workdir=", work, ",userxattr" };
	for (size_t k = upper ? 0 : 4; k < 5 && n < cap; k++)
		n = k % 2 ? opt_path(opts, n, cap, keys[k]) : n + (size_t)snprintf(opts + n, cap - n, "%s", keys[k]);
	if (n >= cap)
		return errno = E2BIG, -1;
	return mount("overlay", target, "overlay", 0, opts);
}

int rootfs_mount_view(const char *const *lowers, int nlowers, const char *target, struct err *e)
{
	if (nlowers == 0)
		return 0;
	/* (overlay wants two lowers without an upper; one layer is itself) */
	int rc = nlowers == 1 ? mount(lowers[0], target, NULL, MS_BIND, NULL)
		: (fallback_forced("overlay-legacy") || mount_legacy() || mount_overlay_fsconfig(lowers, nlowers, NULL, NULL, target) < 0) &&
		  mount_overlay_legacy(lowers, nlowers, NULL, NULL, target) < 0 ? -1 : 0;
	return rc < 0 ? err_sys(e, EXIT_SETUP, "mount a view of %d layers on %s", nlowers, target) : 0;
}

/* What the image has at rel, from the topmost layer that has it: 1 (and
 * *st) for a directory, 0 for nothing, -1 for anything else (a link, a
 * whiteout), which a directory of the init layer would hide. */
static int image_dir(const struct runner_spec *s, const char *rel, struct stat *st)
{
	char path[PATH_MAX];
	for (int i = 0; i < s->nlowers; i++) {
		snprintf(path, sizeof path, "%s/%s", s->lowers[i], rel);
		if (lstat(path, st) == 0)
			return S_ISDIR(st->st_mode) ? 1 : -1;
	}
	return 0;
}

/* init/rel, a directory of the init layer, given the owner, mode and times
 * of the image's own directory there (if any): it sits above it. */
static int imitate(const struct runner_spec *s, const char *init, const char *rel, struct err *e)
{
	char path[PATH_MAX];
	struct stat st;
	if (image_dir(s, rel, &st) != 1)
		return 0;
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	snprintf(path, sizeof path, "%s/%s", init, rel);
	/* an owner this map lacks (EINVAL) leaves root's: cosmetic, not fatal */
	if ((chown(path, st.st_uid, st.st_gid) < 0 && errno != EINVAL) ||
	    chmod(path, st.st_mode & 07777) < 0 || utimensat(AT_FDCWD, path, ts, 0) < 0)
		return err_sys(e, EXIT_SETUP, "set up %s", path);
	return 0;
}

/* The driver directory (runner.h) and its parents in the init layer,
 * each imitating the image's; from where the image has a link (or a
 * whiteout) on the way, nothing: the mount point is then made through
 * it, in the writable layer, as a volume's is. */
static int init_driver_dir(const struct runner_spec *s, const char *init, struct err *e)
{
	char rel[PATH_MAX], path[PATH_MAX];
	struct stat st;
	const char *d = s->driver_dir + strspn(s->driver_dir, "/");
	if (snprintf(rel, sizeof rel, "%s", d) >= (int)sizeof rel)
		return err_set(e, EXIT_SETUP, "the driver directory's path is too long");
	for (size_t k = 1, n = strlen(rel); k <= n; k++) {
		if (rel[k] != '/' && rel[k] != 0)
			continue;
		char c = rel[k];
		rel[k] = 0;
		if (image_dir(s, rel, &st) < 0)
			return 0;
		snprintf(path, sizeof path, "%s/%s", init, rel);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return err_sys(e, EXIT_SETUP, "create %s", path);
		if (imitate(s, init, rel, e) < 0)
			return -1;
		rel[k] = c;
	}
	return 0;
}

/* The init layer, topmost of the lowers (Docker's "-init" layer): the
 * mount points boxcar itself needs, so that they never land in the
 * writable layer (`boxcar diff`/`commit` show only what the app changed).
 * Its directories take the image's owner and mode, since they sit above. */
static int init_layer(const struct runner_spec *s, const char *init, struct err *e)
{
	static const char *const dirs[] = { "proc", "sys", "dev", "etc" };
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", init, dirs[i]);
		if (mkdir(path, 0755) < 0)
			return err_sys(e, EXIT_SETUP, "create %s", path);
	}
	for (int i = 0; i < NETC_ALL; i++) {
		snprintf(path, sizeof path, "%s%s", init, etc_files[i]);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return err_sys(e, EXIT_SETUP, "create %s", path);
		close(fd);
	}
	if (imitate(s, init, "etc", e) < 0)
		return -1;
	return s->driver_dir ? init_driver_dir(s, init, e) : 0;
}

static int put_tree(int fd, int tdir, const char *tpath, const char *what, struct err *e);

/* Legacy: the merged tree bound on root, then made read-only (root is
 * ours, in the state tmpfs: the path string is safe here) */
static int mount_flat_legacy(const char *tree, const char *root, struct err *e)
{
	if (mount(tree, root, NULL, MS_BIND, NULL) < 0)
		return err_sys(e, EXIT_SETUP, "bind %s on %s", tree, root);
	int fd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = fd < 0 ? err_sys(e, EXIT_SETUP, "open %s", root) : remount_ro(fd, root, e);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The flat root: the merged tree bound read-only (its mount points were
 * made when it was merged, or by the launcher). */
static int mount_flat(const struct runner_spec *s, const char *root, struct err *e)
{
	if (mkdir(root, 0755) < 0)
		return err_sys(e, EXIT_SETUP, "create %s", root);
	if (mount_legacy())
		return mount_flat_legacy(s->lowers[0], root, e);
	int fd = clone_tree(s->lowers[0], 0, 1, e);
	return fd < 0 ? -1 : put_tree(fd, AT_FDCWD, root, root, e);
}

static int denied(int sys)
{
	return sys == EPERM || sys == EACCES;
}

/* A tmpfs on the state dir holds the init layer and, unless the writable
 * layer is kept (a named container), the upper and work dirs. */
static int mount_root(const struct runner_spec *s, char *root, size_t rootsz, struct err *e)
{
	char upper[PATH_MAX], work[PATH_MAX], init[PATH_MAX];
	const char *base = s->keep_dir ? s->keep_dir : s->state_dir;
	if (mount("tmpfs", s->state_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		if (denied(errno))
			return diag_fail(e, DIAG_MOUNT, errno, "mount tmpfs on the state dir");
		return err_sys(e, EXIT_SETUP, "mount tmpfs on %s", s->state_dir);
	}
	snprintf(root, rootsz, "%s/root", s->state_dir);
	if (s->flat)
		return mount_flat(s, root, e);
	snprintf(upper, sizeof upper, "%s/upper", base);
	snprintf(work, sizeof work, "%s/work", base);
	snprintf(init, sizeof init, "%s/init", s->state_dir);
	if ((mkdir(upper, 0755) < 0 && (!s->keep_dir || errno != EEXIST)) ||
	    (mkdir(work, 0700) < 0 && (!s->keep_dir || errno != EEXIST)) ||
	    mkdir(root, 0755) < 0 || mkdir(init, 0755) < 0)
		return err_sys(e, EXIT_SETUP, "create overlay dirs in %s", base);
	if (init_layer(s, init, e) < 0)
		return -1;
	const char **lowers = calloc((size_t)s->nlowers + 1, sizeof *lowers);
	if (!lowers)
		return err_set(e, EXIT_SETUP, "out of memory");
	lowers[0] = init;
	memcpy(lowers + 1, s->lowers, (size_t)s->nlowers * sizeof *lowers);
	int rc = fallback_forced("deny-overlay") ? (errno = EPERM, -1)
		: (fallback_forced("overlay-legacy") || mount_legacy() ||
		   mount_overlay_fsconfig(lowers, s->nlowers + 1, upper, work, root) < 0) &&
		  mount_overlay_legacy(lowers, s->nlowers + 1, upper, work, root) < 0 ? -1 : 0;
	int sys = errno;
	free(lowers);
	errno = sys;
	if (rc < 0 && s->keep_dir && !denied(errno))
		return err_sys(e, EXIT_SETUP, "mount overlayfs (%d layers) on %s; the kept writable layer needs a "
			       "file system with user xattrs (a local disk)", s->nlowers, root);
	if (rc < 0) {
		char what[64];
		snprintf(what, sizeof what, "mount the root (%d layers)", s->nlowers);
		diag_fail(e, DIAG_OVERLAY, sys, what);
		return err_kind(e, ERR_UNSUPPORTED);   /* (--boxcar-root=auto then takes the flat root) */
	}
	return 0;
}

static int pivot_into(const char *root, struct err *e)
{
	if (chdir(root) < 0)
		return err_sys(e, EXIT_SETUP, "chdir %s", root);
	if (sys_pivot_root(".", ".") < 0)
		return err_sys(e, EXIT_SETUP, "pivot_root into %s", root);
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(e, EXIT_SETUP, "detach the old root");
	if (chdir("/") < 0)
		return err_sys(e, EXIT_SETUP, "chdir /");
	return 0;
}

/* Mount the detached tree fd on tpath in tdir (on tdir itself when tpath
 * is ""), and close fd. `what` names the target in errors. */
static int put_tree(int fd, int tdir, const char *tpath, const char *what, struct err *e)
{
	int rc = sys_move_mount(fd, "", tdir, tpath, BC_MOVE_MOUNT_F_EMPTY_PATH |
				(*tpath ? 0 : BC_MOVE_MOUNT_T_EMPTY_PATH));
	if (rc < 0)
		err_sys(e, EXIT_SETUP, "mount on %s", what);
	close_keep_errno(fd);
	return rc;
}

/* Mount the detached tree fd on path in the new root: a target opened
 * beneath it (common/beneath.h), made if missing, never reached through a
 * symlink out of it; a symlink there (the image's own) is replaced. */
static int attach(int root, int fd, const char *path, int dir, struct err *e)
{
	int tfd = target_in_root(root, path, dir, e);
	if (tfd < 0) {
		close(fd);
		return -1;
	}
	int rc = put_tree(fd, tfd, "", path, e);
	close_keep_errno(tfd);
	return rc;
}

/* mount(2) of a new file system on the target path names (through its fd) */
static int mount_on(int root, const char *src, const char *path, const char *type, unsigned long flags,
		    const char *data, struct err *e)
{
	char at[32];
	int tfd = target_in_root(root, path, 1, e);
	if (tfd < 0)
		return -1;
	snprintf(at, sizeof at, "/proc/self/fd/%d", tfd);
	int rc = mount(src, at, type, flags, data);
	if (rc < 0)
		err_sys(e, EXIT_SETUP, "mount %s on %s", type, path);
	close_keep_errno(tfd);
	return rc;
}

/* mount(2) of a new file system on name in dirfd, a directory of ours
 * (in a tmpfs boxcar made), through its fd */
static int mount_in(int dirfd, const char *name, const char *src, const char *type, unsigned long flags,
		    const char *data, struct err *e)
{
	char at[32];
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = fd < 0 ? -1 : mount(src, fd_path(at, fd), type, flags, data);
	if (rc < 0)
		err_sys(e, EXIT_SETUP, "mount %s on /dev/%s", type, name);
	if (fd >= 0)
		close_keep_errno(fd);
	return rc;
}

/* The host's device nodes, each on an empty file in our /dev (dev). */
static int dev_nodes_in(int root, int dev, struct host_trees *h, struct err *e)
{
	char path[64];
	for (size_t i = 0; i < NDEV; i++) {
		snprintf(path, sizeof path, "/dev/%s", dev_nodes[i]);
		if (mount_legacy()) {   /* (before pivot_root: path is the host's node) */
			if (bind_legacy(root, path, path, 0, e) < 0)
				return -1;
			continue;
		}
		/* (a fresh tmpfs: the target needs no checks, just creating) */
		int fd = openat(dev, dev_nodes[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 || close(fd) < 0)
			return err_sys(e, EXIT_SETUP, "create %s", path);
		if (put_tree(h->dev[i], dev, dev_nodes[i], path, e) < 0)
			return -1;
	}
	return 0;
}

/* /dev: a tmpfs of ours, its names made through its fd (in legacy mode
 * this runs before pivot_root, where "/dev/..." is the host's). /dev/shm
 * gets a tmpfs of its own, or, with the host's IPC namespace, the host's
 * (bound later, as a volume: with_host_shm). */
static int setup_dev(int root, int host_shm, struct host_trees *h, struct err *e)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" }
	};
	struct statfs sf;
	if (mount_on(root, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=65536k", e) < 0)
		return -1;
	int dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW);
	if (dev < 0 || fstatfs(dev, &sf) < 0 || sf.f_type != TMPFS_MAGIC) {
		if (dev >= 0)
			close(dev);
		return err_sys(e, EXIT_SETUP, "open the new /dev");
	}
	int rc = dev_nodes_in(root, dev, h, e);
	if (rc == 0 && (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0))
		rc = err_sys(e, EXIT_SETUP, "create /dev/pts, /dev/shm");
	if (rc == 0 && (mount_in(dev, "pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620", e) < 0 ||
			(!host_shm && mount_in(dev, "shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", e) < 0)))
		rc = -1;
	for (size_t i = 0; rc == 0 && i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0)
			rc = err_sys(e, EXIT_SETUP, "symlink /dev/%s", links[i][1]);
	close(dev);
	return rc;
}

/* Before pivot_root: the files' contents in the state tmpfs, each cloned
 * as a mount to attach after it. */
static int etc_trees(const struct runner_spec *s, struct host_trees *h, struct err *e)
{
	char path[PATH_MAX], line[300];
	char *hosts = net_hosts(h->etc[0], s->net != RUNNER_NET_HOST, s->hostname);
	snprintf(line, sizeof line, "%s\n", s->hostname);
	const char *text[NETC_ALL] = { hosts, h->etc[1] ? h->etc[1] : "", line };
	int rc = hosts ? 0 : err_set(e, EXIT_SETUP, "out of memory");
	for (int i = 0; rc == 0 && i < NETC_ALL; i++) {
		snprintf(path, sizeof path, "%s/etc-%s", s->state_dir, strrchr(etc_files[i], '/') + 1);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		int ok = fd >= 0 && write_full(fd, text[i], strlen(text[i])) == 0;
		if (fd >= 0)
			close(fd);
		if (!ok)
			rc = err_sys(e, EXIT_SETUP, "write %s", path);
		else if (!mount_legacy() && (h->etcfd[i] = clone_tree(path, 0, 0, e)) < 0)
			rc = -1;
	}
	free(hosts);
	for (int i = 0; i < NETC; i++)
		free(h->etc[i]), h->etc[i] = NULL;
	return rc;
}

static int setup_etc(int root, const struct runner_spec *s, struct host_trees *h, struct err *e)
{
	char path[PATH_MAX];
	for (int i = 0; i < NETC_ALL; i++) {
		snprintf(path, sizeof path, "%s/etc-%s", s->state_dir, strrchr(etc_files[i], '/') + 1);
		if (mount_legacy() ? bind_legacy(root, path, etc_files[i], 0, e) < 0
			     : attach(root, h->etcfd[i], etc_files[i], 0, e) < 0)
			return -1;
	}
	return 0;
}

/* Mask the path p (pfd, an O_PATH fd of it): /dev/null over a file, an
 * empty read-only tmpfs over a directory; the first such tmpfs (*empty,
 * its fd once made) is bound on the next directories. */
static int mask_one(int root, int pfd, const char *p, int *empty)
{
	char at[32], from[32];
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return -1;
	fd_path(at, pfd);
	/* (legacy, before pivot_root: the host's /dev/null; else our bind of it) */
	if (!S_ISDIR(st.st_mode))
		return mount("/dev/null", at, NULL, MS_BIND, NULL);
	if (*empty >= 0)   /* (its tmpfs is read-only as a file system) */
		return mount(fd_path(from, *empty), at, NULL, MS_BIND, NULL);
	if (mount("tmpfs", at, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0555") < 0)
		return -1;
	*empty = open_in_root(root, p, O_PATH | O_DIRECTORY | O_NOFOLLOW);
	return *empty < 0 ? -1 : 0;
}

/* Bind the path p (pfd) on itself, read-only, with what is below it. */
static int readonly_one(int root, int pfd, const char *p, struct err *e)
{
	char at[32];
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return err_sys(e, EXIT_SETUP, "stat %s", p);
	if (mount_legacy())
		return bind_legacy(root, fd_path(at, pfd), p, B_REC | B_RO | (S_ISDIR(st.st_mode) ? B_DIR : 0), e);
	int fd = clone_tree_at(pfd, "", 1, 1, e);
	return fd < 0 ? -1 : put_tree(fd, pfd, "", p, e);
}

/* Docker's masked and read-only paths: kernel interfaces a container has
 * no business reading (masked) or changing (read-only binds). They lie in
 * our own mounts (proc, /sys), found beneath the new root through fds: in
 * legacy mode this runs before pivot_root, where "/proc/..." is the host's. */
static int mask_paths(int root, struct err *e)
{
	static const char *const masked[] = {
		"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap",
	};
	static const char *const readonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	};
	int empty = -1, rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof masked / sizeof masked[0]; i++) {
		int fd = open_in_root(root, masked[i], O_PATH | O_NOFOLLOW);
		if (fd < 0)
			continue;   /* not on this kernel */
		if (mask_one(root, fd, masked[i], &empty) < 0)
			rc = err_sys(e, EXIT_SETUP, "mask %s", masked[i]);
		close(fd);
	}
	if (empty >= 0)
		close(empty);
	for (size_t i = 0; rc == 0 && i < sizeof readonly / sizeof readonly[0]; i++) {
		int fd = open_in_root(root, readonly[i], O_PATH | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (readonly_one(root, fd, readonly[i], e) < 0)
			rc = err_ctx(e, "make %s read-only", readonly[i]);
		close(fd);
	}
	return rc;
}

/* A new tmpfs (new mount API) filled from src, then put on dir. */
static int seed_new(int dir, int src, const struct stat *st, const char *path, struct err *e)
{
	/* (no nosuid: it stands in for the writable root, where setuid works) */
	int fs = sys_fsopen("tmpfs", BC_FSOPEN_CLOEXEC), m = -1;
	if (fs >= 0 && sys_fsconfig(fs, BC_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = sys_fsmount(fs, BC_FSMOUNT_CLOEXEC, 0);
	/* (the mount's fd is O_PATH: its root opened again, for writing into) */
	int dst = m < 0 ? -1 : openat(m, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dst < 0 ? err_sys(e, EXIT_SETUP, "make a tmpfs for %s", path)
		: copy_tree_at(src, dst) < 0 || copy_meta_at(dst, "", st) < 0
		? err_sys(e, EXIT_SETUP, "copy the image's %s into its tmpfs", path) : 0;
	if (dst >= 0)
		close(dst);
	if (rc == 0)
		rc = put_tree(m, dir, "", path, e);
	else if (m >= 0)
		close(m);
	if (fs >= 0)
		close(fs);
	return rc;
}

/* Legacy: the tmpfs mounted on dir first (through its fd), then filled
 * from src, which still reads the image's directory it now covers; the
 * tmpfs is found again by path beneath the new root, and must be one. */
static int seed_legacy(int root, int dir, int src, const struct stat *st, const char *path, struct err *e)
{
	char at[32];
	struct statfs sf;
	if (mount("tmpfs", fd_path(at, dir), "tmpfs", 0, NULL) < 0)
		return err_sys(e, EXIT_SETUP, "mount a tmpfs on %s", path);
	int dst = open_in_root(root, path, O_RDONLY | O_DIRECTORY);
	int rc = dst < 0 || fstatfs(dst, &sf) < 0 ? err_sys(e, EXIT_SETUP, "open the tmpfs on %s", path)
		: sf.f_type != TMPFS_MAGIC ? err_set(e, EXIT_SETUP, "%s is not the tmpfs mounted there", path)
		: copy_tree_at(src, dst) < 0 || copy_meta_at(dst, "", st) < 0
		? err_sys(e, EXIT_SETUP, "copy the image's %s into its tmpfs", path) : 0;
	if (dst >= 0)
		close(dst);
	return rc;
}

/* A writable spot in a flat root: a new tmpfs holding a copy of what the
 * image has at dir (its owner and mode too), as Docker seeds an anonymous
 * volume, mounted there. A spot that is a tmpfs already (/var/tmp as a
 * link to /tmp) is left as it is. */
static int seeded_tmpfs(int root, int dir, const char *path, struct err *e)
{
	struct statfs sf;
	struct stat st;
	int src = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || fstatfs(src, &sf) < 0 || fstat(src, &st) < 0) {
		if (src >= 0)
			close(src);
		return err_sys(e, EXIT_SETUP, "open %s", path);
	}
	int rc = sf.f_type == TMPFS_MAGIC ? 0
		: mount_legacy() ? seed_legacy(root, dir, src, &st, path, e) : seed_new(dir, src, &st, path, e);
	close(src);
	return rc;
}

/* A flat root's writable places: /tmp, /run and /var/tmp where the image
 * has them, and its Volumes; before the volumes and --tmpfs, which may
 * land inside them (and must not be hidden, nor copied, by them). */
static int flat_spots(int root, const struct runner_spec *s, struct err *e)
{
	static const char *const spots[] = { "/tmp", "/run", "/var/tmp" };
	for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
		int d = open_in_root(root, spots[i], O_PATH | O_DIRECTORY);
		if (d < 0)
			continue;   /* none in the image: none made (the root is read-only) */
		int rc = seeded_tmpfs(root, d, spots[i], e);
		close(d);
		if (rc < 0)
			return -1;
	}
	for (int i = 0; i < s->nmkdirs; i++) {
		int d = dir_in_root(root, s->mkdirs[i], e);
		int rc = d < 0 ? -1 : seeded_tmpfs(root, d, s->mkdirs[i], e);
		if (d >= 0)
			close(d);
		if (rc < 0)
			return err_ctx(e, "image volume %s", s->mkdirs[i]);
	}
	return 0;
}

/* The image's Volumes, --tmpfs mounts, then --read-only. A Volume is
 * its directory bound onto itself: the image's content stays, writes go
 * to the throw-away upper layer like an anonymous volume's, and it stays
 * writable when the root is made read-only. (A flat root's are made
 * before, by flat_spots.) */
static int extra_mounts(int root, const struct runner_spec *s, struct err *e)
{
	char at[32];
	for (int i = 0; !s->flat && i < s->nmkdirs; i++) {
		int src = dir_in_root(root, s->mkdirs[i], e);
		int fd = src < 0 || mount_legacy() ? -1 : clone_tree_at(src, "", 1, 0, e);
		int rc = src < 0 ? -1 : mount_legacy() ? bind_legacy(root, fd_path(at, src), s->mkdirs[i], B_DIR | B_REC, e)
			: fd < 0 ? -1 : attach(root, fd, s->mkdirs[i], 1, e);
		if (src >= 0)
			close(src);
		if (rc < 0)
			return err_ctx(e, "image volume %s", s->mkdirs[i]);
	}
	for (int i = 0; i < s->ntmpfs; i++)
		if (mount_on(root, "tmpfs", s->tmpfs[i], "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", e) < 0)
			return -1;
	if (!s->read_only || s->flat)
		return 0;
	/* (legacy: before pivot_root, root is the new root's own mount) */
	if (mount_legacy())
		return remount_ro(root, "the root file system", e);
	struct bc_mount_attr ro = { .attr_set = BC_MOUNT_ATTR_RDONLY };
	if (sys_mount_setattr(AT_FDCWD, "/", 0, &ro) < 0)
		return err_sys(e, EXIT_SETUP, "make the root file system read-only");
	return 0;
}

/* Legacy /sys: with its own network namespace a sysfs of its own (as
 * own_sysfs), else, or where refused, the host's bound read-only. */
static int sys_legacy(int root, const struct runner_spec *s, struct err *e)
{
	char at[32];
	if (s->net != RUNNER_NET_HOST && !fallback_forced("no-own-sysfs")) {
		int t = target_in_root(root, "/sys", 1, e);
		if (t < 0)
			return -1;
		int rc = mount("sysfs", fd_path(at, t), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		close(t);
		if (rc == 0)
			return 0;
	}
	return bind_legacy(root, "/sys", "/sys", B_DIR | B_REC | B_RO, e);
}

/* The user's volumes: host trees (legacy: bound by path, before pivot_root). */
static int volumes(int root, const struct runner_spec *s, struct host_trees *h, struct err *e)
{
	for (int i = 0; i < s->nvolumes; i++) {
		const struct runner_volume *v = &s->volumes[i];
		struct stat st;
		if (mount_legacy() ? stat(v->host, &st) < 0 : fstat(h->vol[i], &st) < 0)
			return err_sys(e, EXIT_SETUP, "volume %s", v->host);
		int dir = S_ISDIR(st.st_mode);
		if (mount_legacy() ? bind_legacy(root, v->host, v->target, B_REC | (v->readonly ? B_RO : 0) | (dir ? B_DIR : 0), e) < 0
			     : attach(root, h->vol[i], v->target, dir, e) < 0)
			return err_ctx(e, "volume %s:%s", v->host, v->target);
	}
	return 0;
}

/* Host files bound at their targets, each made beneath the new root
 * (legacy: by path, before pivot_root). */
static int put_binds(int root, const struct runner_bind *b, int n, const int *fds, int readonly, struct err *e)
{
	for (int i = 0; i < n; i++)
		if (mount_legacy() ? bind_legacy(root, b[i].host, b[i].target, readonly ? B_RO : 0, e) < 0
			     : attach(root, fds[i], b[i].target, 0, e) < 0)
			return err_ctx(e, "bind %s on %s", b[i].host, b[i].target);
	return 0;
}

/* The driver's files: a tmpfs of ours on driver_dir (whatever the image
 * has there is hidden), each file bound read-only beneath it. */
static int driver_files(int root, const struct runner_spec *s, struct host_trees *h, struct err *e)
{
	if (!s->driver_dir)
		return 0;
	if (mount_on(root, "tmpfs", s->driver_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m", e) < 0)
		return -1;
	return put_binds(root, s->driver_files, s->ndriver_files, h->driver, 1, e);
}

/* After pivot_root (legacy: before it, through the new root's fd): /dev,
 * /sys, the masks, the /etc files, volumes, the working directory, the
 * image's Volumes and --tmpfs, --read-only. */
static int mounts_inside(int root, const struct runner_spec *s, struct host_trees *h, struct err *e)
{
	if (setup_dev(root, s->ipc_host, h, e) < 0 || put_binds(root, s->devices, s->ndevices, h->devices, 0, e) < 0 ||
	    (mount_legacy() ? sys_legacy(root, s, e) : attach(root, h->sys, "/sys", 1, e)) < 0 ||
	    mask_paths(root, e) < 0 || setup_etc(root, s, h, e) < 0 || driver_files(root, s, h, e) < 0 ||
	    (s->flat && flat_spots(root, s, e) < 0) || volumes(root, s, h, e) < 0)
		return -1;
	free(h->vol);
	free(h->devices);
	free(h->driver);
	int cwd = dir_in_root(root, s->cwd, e);
	if (cwd < 0)
		return err_ctx(e, "working directory");
	close(cwd);
	return extra_mounts(root, s, e);
}

/* /proc in the new root, before pivot_root: the kernel refuses a new proc
 * mount in a namespace that shows none. Its target is found beneath root
 * (an fd, as every target), the proc mount made through that fd. */
static int mount_proc(const char *root, struct err *e)
{
	int r = openat(AT_FDCWD, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r < 0)
		return err_sys(e, EXIT_SETUP, "open %s", root);
	int rc = mount_on(r, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e);
	close(r);
	return rc;
}

static int legacy_inside(const char *root, const struct runner_spec *s, struct host_trees *h, struct err *e)
{
	int r = openat(AT_FDCWD, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r < 0)
		return err_sys(e, EXIT_SETUP, "open %s", root);
	int rc = mounts_inside(r, s, h, e);
	close(r);
	return rc;
}

/* With the host's IPC namespace, the host's /dev/shm: its POSIX shared
 * memory (shm_open) is a file there, so containers that share one need
 * it too. Added after the user's volumes, as one more. */
static const struct runner_spec *with_host_shm(const struct runner_spec *s, struct runner_spec *copy,
					       struct err *e)
{
	if (!s->ipc_host)
		return s;
	struct runner_volume *v = calloc((size_t)s->nvolumes + 1, sizeof *v);
	if (!v)
		return err_set(e, EXIT_SETUP, "out of memory"), NULL;
	if (s->nvolumes)
		memcpy(v, s->volumes, (size_t)s->nvolumes * sizeof *v);
	v[s->nvolumes] = (struct runner_volume){ .host = "/dev/shm", .target = "/dev/shm" };
	*copy = *s;
	copy->volumes = v;
	copy->nvolumes = s->nvolumes + 1;
	return copy;   /* (PID 1's, for its life: not freed) */
}

int rootfs_setup(const struct runner_spec *spec, struct err *e)
{
	struct host_trees h = { 0 };
	struct runner_spec copy;
	char root[PATH_MAX];
	const struct runner_spec *s = with_host_shm(spec, &copy, e);
	if (!s)
		return -1;
	/* the namespace's first mount: a denial here is the host's policy
	 * (diagnose.h), named as doctor names it */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return denied(errno) ? diag_fail(e, DIAG_MOUNT, errno, "make mounts private")
				     : err_sys(e, EXIT_SETUP, "make mounts private");
	if (grab_host_trees(s, &h, e) < 0 || mount_root(s, root, sizeof root, e) < 0 ||
	    etc_trees(s, &h, e) < 0)
		return -1;
	/* proc first, while the host's /proc is still visible: the kernel
	 * refuses a new proc mount in a namespace that shows none */
	if (mount_proc(root, e) < 0)
		return -1;
	/* Legacy: mount(2) binds by path, and the host's paths are gone after
	 * pivot_root; so every mount is made before it, each target still
	 * opened beneath the new root (its fd) and reached through
	 * /proc/self/fd (the host's proc, which shows our fds) */
	if (mount_legacy() && legacy_inside(root, s, &h, e) < 0)
		return -1;
	if (pivot_into(root, e) < 0)
		return -1;
	if (mount_legacy())
		return 0;
	/* the new root, once: every mount target is opened beneath it */
	int nr = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nr < 0)
		return err_sys(e, EXIT_SETUP, "open the new root");
	int rc = mounts_inside(nr, s, &h, e);
	close(nr);
	return rc;
}

