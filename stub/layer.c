#include "layer.h"

#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../common/fallback.h"
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "tree.h"

#define WH ".wh."
#define WH_OPQ ".wh..wh..opq"
#define DEPTH_MAX 256

/* The writer keeps the directories of the last entry's parent open, from
 * the root down: entries come grouped by directory, so most need no
 * lookup at all, and every name is created with one *at() call relative to
 * an fd that was opened without following a symlink. Nothing is ever
 * resolved through a path string, so nothing written can leave the root. */
/* A directory's mode and times, set once the layer is written (a read-only
 * mode would stop its own entries; each entry made changes its mtime). */
struct fixup {
	char *path;
	mode_t mode;
	struct timespec ts[2];
};

struct fixups {
	struct fixup *v;
	size_t n, cap;
};

struct dirs {
	int fd[DEPTH_MAX + 1];       /* fd[0]: the root (not ours to close) */
	size_t end[DEPTH_MAX + 1];   /* level i is path[0, end[i]) */
	int depth;
	char path[PATH_MAX];
	/* flattening as a plain user: a lower layer's read-only directory is
	 * made writable while entered, its mode put back at the end */
	struct fixups *restore;
};

struct writer {
	struct archive *a;
	const struct layer_how *how;
	struct dirs dirs;
	struct fixups fix, restore;
	uid_t uid;   /* who we are: an owner that needs no chown */
	gid_t gid;
	struct err *e;
};

static int fixups_add(struct fixups *l, const char *path, mode_t mode, const struct timespec ts[2])
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct fixup *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v, l->cap = cap;
	}
	if (!(l->v[l->n].path = strdup(path)))
		return -1;
	l->v[l->n].mode = mode;
	l->v[l->n].ts[0] = ts[0], l->v[l->n].ts[1] = ts[1];
	l->n++;
	return 0;
}

static void fixups_free(struct fixups *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

/* Make directory fd (dir[0, n)) writable and searchable for us if it is
 * ours and is not, noting its mode to put back. */
static int unlock_dir(struct dirs *s, int fd, const char *dir, size_t n, struct err *e)
{
	static const struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	struct stat st;
	char path[PATH_MAX];
	if (fstat(fd, &st) < 0)
		return err_sys(e, EXIT_SETUP, "stat directory '%.*s'", (int)n, dir);
	if ((st.st_mode & 0300) == 0300 || st.st_uid != geteuid())
		return 0;
	snprintf(path, sizeof path, "%.*s", (int)n, dir);
	if (fixups_add(s->restore, path, st.st_mode & 07777, omit) < 0)
		return err_set(e, EXIT_SETUP, "out of memory");
	if (fchmod(fd, (st.st_mode & 07777) | 0700) < 0)
		return err_sys(e, EXIT_SETUP, "make directory '%s' writable", path);
	return 0;
}

static void dirs_pop(struct dirs *s, int depth)
{
	while (s->depth > depth)
		close(s->fd[s->depth--]);
}

/* Make the open levels end at directory dir[0, n) ("" is the root),
 * opening (with mkdirs, creating 0755) what is missing. Returns its fd. */
static int dirs_enter(struct dirs *s, const char *dir, size_t n, int mkdirs, struct err *e)
{
	int keep = 0;
	for (int i = s->depth; i > 0; i--)
		if (s->end[i] <= n && (s->end[i] == n || dir[s->end[i]] == '/') &&
		    memcmp(s->path, dir, s->end[i]) == 0) {
			keep = i;
			break;
		}
	dirs_pop(s, keep);
	memcpy(s->path, dir, n);
	size_t pos = s->end[keep];
	while (pos < n) {
		if (dir[pos] == '/')
			pos++;
		size_t end = pos;
		while (end < n && dir[end] != '/')
			end++;
		char comp[NAME_MAX + 1];
		if (end - pos > NAME_MAX || s->depth == DEPTH_MAX)
			return err_set(e, EXIT_SETUP, "path '%.*s' is too long or too deep", (int)n, dir);
		memcpy(comp, dir + pos, end - pos);
		comp[end - pos] = 0;
		int fd = beneath_step(s->fd[s->depth], comp, mkdirs);
		if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
			return err_set(e, EXIT_SETUP, "'%.*s' is not a directory (a symlink or a file); "
				       "the layer writes through it", (int)end, dir);
		if (fd < 0)
			return err_sys(e, EXIT_SETUP, "open directory '%.*s'", (int)end, dir);
		if (s->restore && unlock_dir(s, fd, dir, end, e) < 0) {
			close(fd);
			return -1;
		}
		s->fd[++s->depth] = fd;
		s->end[s->depth] = end;
		pos = end;
	}
	return s->fd[s->depth];
}

/* An image's entry name as a clean relative path: no leading '/', no "."
 * or empty components; ".." is refused. "" is the root itself. */
static int clean_path(const char *in, char out[PATH_MAX], struct err *e)
{
	size_t n = 0;
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return err_set(e, EXIT_SETUP, "path '%s' leaves the root ('..')", in);
		if (len && !(len == 1 && *p == '.')) {
			if (n + len + 2 > PATH_MAX)
				return err_set(e, EXIT_SETUP, "path '%.64s...' is too long", in);
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p = end;
	}
	out[n] = 0;
	return 0;
}

/* The open directory holding clean path `rel`, and its last component. */
static int parent_of(struct writer *w, const char *rel, int mkdirs, const char **leaf)
{
	const char *slash = strrchr(rel, '/');
	*leaf = slash ? slash + 1 : rel;
	return dirs_enter(&w->dirs, rel, slash ? (size_t)(slash - rel) : 0, mkdirs, w->e);
}

/* Clear the way for a new entry `leaf` in dfd (a later entry replaces
 * whatever an earlier one, or a lower layer, left there). */
static int clear_name(int dfd, const char *leaf)
{
	struct stat st;
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	return S_ISDIR(st.st_mode) ? rmtree_at(dfd, leaf) : unlinkat(dfd, leaf, 0);
}

/* An overlay whiteout: a character device 0/0; where a user namespace may
 * not make one (EPERM before Linux 5.8; asked once), or forced, an empty
 * file with the xattr user.overlay.whiteout (fsutil.h's is_whiteout_at:
 * the flat root, the tree digest and diff read either form). */
static int make_whiteout(int dfd, const char *name)
{
	static int refused;
	if (!refused && !fallback_forced("no-whiteout-dev")) {
		if (mknodat(dfd, name, S_IFCHR | 0600, makedev(0, 0)) == 0)
			return 0;
		if (errno != EPERM)
			return -1;
		refused = 1;
	}
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = fsetxattr(fd, "user.overlay.whiteout", "y", 1, 0);
	close_keep_errno(fd);
	return rc;
}

/* A whiteout entry: delete (flatten) or mark (overlay) what it names. */
static int apply_whiteout(struct writer *w, const char *rel)
{
	enum layer_mode mode = w->how->mode;
	const char *leaf;
	int dfd = parent_of(w, rel, mode == LAYER_OVERLAY, &leaf);
	if (dfd < 0) {
		/* Whiting out below something absent, or below a non-directory
		 * (umoci writes "d" then "d/.wh.x" when a dir became a file), is a
		 * no-op: nothing of the lower layers shows through there. */
		if (errno == ENOTDIR || errno == ELOOP || (mode == LAYER_DELETE && errno == ENOENT)) {
			*w->e = (struct err){ 0 };
			return 0;
		}
		return err_ctx(w->e, "whiteout '%s'", rel);
	}
	const char *name = leaf + strlen(WH);
	int rc;
	if (strcmp(leaf, WH_OPQ) == 0)
		rc = mode == LAYER_OVERLAY ? fsetxattr(dfd, "user.overlay.opaque", "y", 1, 0) : empty_dir(dfd);
	else if (mode == LAYER_OVERLAY)
		rc = clear_name(dfd, name) < 0 ? -1 : make_whiteout(dfd, name);
	else
		rc = rmtree_at(dfd, name);
	if (rc < 0)
		return err_sys(w->e, EXIT_SETUP, "apply whiteout '%s'", rel);
	return 0;
}

struct layer_how layer_how_self(enum layer_mode mode)
{
	int root = geteuid() == 0;
	return (struct layer_how){ .mode = mode, .owners = root, .devices = root,
				   .uids = root ? UINT32_MAX : 0, .gids = root ? UINT32_MAX : 0 };
}

/* An owner the namespace has no id for: "nobody", or root if even that
 * is missing (a short subordinate range). */
static la_int64_t mapped(la_int64_t id, uint32_t n)
{
	return id >= 0 && (uint64_t)id < n ? id : 65534 < n ? 65534 : 0;
}

/* The owner to give an entry, or -1 to leave it ours. */
static int owner_of(const struct writer *w, struct archive_entry *ent, uid_t *uid, gid_t *gid)
{
	if (!w->how->owners)
		return -1;
	*uid = (uid_t)mapped(archive_entry_uid(ent), w->how->uids);
	*gid = (gid_t)mapped(archive_entry_gid(ent), w->how->gids);
	return *uid == w->uid && *gid == w->gid ? -1 : 0;
}

/* atime and mtime from the tar (atime = mtime when it has none) */
static void entry_times(struct archive_entry *ent, struct timespec ts[2])
{
	if (!archive_entry_mtime_is_set(ent)) {
		ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
		return;
	}
	ts[1] = (struct timespec){ archive_entry_mtime(ent), archive_entry_mtime_nsec(ent) };
	ts[0] = archive_entry_atime_is_set(ent)
		? (struct timespec){ archive_entry_atime(ent), archive_entry_atime_nsec(ent) } : ts[1];
}

/* The owner (when restored) of a name in dfd, not following a symlink. */
static int own_name(struct writer *w, struct archive_entry *ent, int dfd, const char *leaf,
		    const char *rel)
{
	uid_t uid;
	gid_t gid;
	if (owner_of(w, ent, &uid, &gid) == 0 && fchownat(dfd, leaf, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(w->e, EXIT_SETUP, "set the owner of '%s'", rel);
	return 0;
}

/* Owner and times of a name that is not opened (a symlink, a node). */
static int own_and_stamp(struct writer *w, struct archive_entry *ent, int dfd, const char *leaf,
			 const char *rel)
{
	struct timespec ts[2];
	entry_times(ent, ts);
	if (own_name(w, ent, dfd, leaf, rel) < 0)
		return -1;
	if (utimensat(dfd, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(w->e, EXIT_SETUP, "set the times of '%s'", rel);
	return 0;
}

/* Copy the entry's data into fd, hashing it for the tree digest. *sum is
 * left empty when the data has holes (the walk then reads the file). */
static int write_data(struct writer *w, int fd, const char *rel, char sum[DIGEST_STR])
{
	const void *buf;
	size_t size;
	la_int64_t off, pos = 0;
	struct digest d;
	int r, holes = 0;
	digest_init(&d);
	while ((r = archive_read_data_block(w->a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (off != pos) {
			holes = 1;
			if (lseek(fd, (off_t)off, SEEK_SET) < 0)
				return err_sys(w->e, EXIT_SETUP, "write '%s'", rel);
		}
		if (write_full(fd, buf, size) < 0)
			return err_sys(w->e, EXIT_SETUP, "write '%s'", rel);
		if (!holes)
			digest_update(&d, buf, size);
		pos = off + (la_int64_t)size;
	}
	if (r != ARCHIVE_EOF)
		return err_set(w->e, EXIT_SETUP, "read '%s': %s", rel, archive_error_string(w->a));
	if (holes)
		sum[0] = 0;
	else
		digest_final(&d, sum);
	return 0;
}

static int write_file(struct writer *w, struct archive_entry *ent, int dfd, const char *leaf,
		      const char *rel)
{
	mode_t mode = archive_entry_perm(ent) & (w->how->nosuid ? 01777 : 07777);
	int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST && clear_name(dfd, leaf) == 0)
		fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return err_sys(w->e, EXIT_SETUP, "create '%s'", rel);
	char sum[DIGEST_STR];
	int rc = write_data(w, fd, rel, sum);
	la_int64_t size = archive_entry_size(ent);
	if (rc == 0 && !sum[0] && ftruncate(fd, (off_t)size) < 0)
		rc = err_sys(w->e, EXIT_SETUP, "write '%s'", rel);
	uid_t uid;
	gid_t gid;
	int chowned = rc == 0 && owner_of(w, ent, &uid, &gid) == 0;
	if (chowned && fchown(fd, uid, gid) < 0)
		rc = err_sys(w->e, EXIT_SETUP, "set the owner of '%s'", rel);
	/* chown drops setuid/setgid; a setgid parent may have dropped ours */
	if (rc == 0 && (chowned || (mode & 07000)) && fchmod(fd, mode) < 0)
		rc = err_sys(w->e, EXIT_SETUP, "set the mode of '%s'", rel);
	struct timespec ts[2];
	entry_times(ent, ts);
	if (rc == 0 && futimens(fd, ts) < 0)
		rc = err_sys(w->e, EXIT_SETUP, "set the times of '%s'", rel);
	if (close(fd) < 0 && rc == 0)
		rc = err_sys(w->e, EXIT_SETUP, "write '%s'", rel);
	if (rc == 0) {   /* (a file with holes is left to the walk to read) */
		char key[PATH_MAX + 1];
		snprintf(key, sizeof key, "/%s", rel);
		if (sum[0])
			tree_memo_put(w->how->memo, key, (uint64_t)size, sum);
		else
			tree_memo_forget(w->how->memo, key);
	}
	return rc;
}

static int add_fixup(struct writer *w, const char *rel, struct archive_entry *ent)
{
	struct timespec ts[2];
	entry_times(ent, ts);
	if (fixups_add(&w->fix, rel, archive_entry_perm(ent) & 07777, ts) < 0)
		return err_set(w->e, EXIT_SETUP, "out of memory");
	return 0;
}

static int write_dir(struct writer *w, struct archive_entry *ent, int dfd, const char *leaf,
		     const char *rel)
{
	/* made usable by us now, given its own mode at the end */
	if (mkdirat(dfd, leaf, 0700) < 0) {
		struct stat st;
		if (errno != EEXIST || fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(w->e, EXIT_SETUP, "create directory '%s'", rel);
		if (!S_ISDIR(st.st_mode) && (unlinkat(dfd, leaf, 0) < 0 || mkdirat(dfd, leaf, 0700) < 0))
			return err_sys(w->e, EXIT_SETUP, "create directory '%s'", rel);
	}
	return own_name(w, ent, dfd, leaf, rel) < 0 ? -1 : add_fixup(w, rel, ent);
}

static int write_symlink(struct writer *w, struct archive_entry *ent, int dfd, const char *leaf,
			 const char *rel)
{
	const char *target = archive_entry_symlink(ent);
	if (!target)
		return err_set(w->e, EXIT_SETUP, "symlink '%s' has no target", rel);
	/* the target is only stored, never followed while extracting */
	int rc = symlinkat(target, dfd, leaf);
	if (rc < 0 && errno == EEXIST && clear_name(dfd, leaf) == 0)
		rc = symlinkat(target, dfd, leaf);
	if (rc < 0)
		return err_sys(w->e, EXIT_SETUP, "create symlink '%s'", rel);
	return own_and_stamp(w, ent, dfd, leaf, rel);
}

/* A hard link to an earlier entry of this layer: the target is found by
 * a walk of its own (O_NOFOLLOW at each step), so it too stays inside. */
static int write_hardlink(struct writer *w, struct archive_entry *ent, int dfd, const char *leaf,
			  const char *rel)
{
	char target[PATH_MAX], tleaf[NAME_MAX + 1];
	if (clean_path(archive_entry_hardlink(ent), target, w->e) < 0)
		return -1;
	if (!*target || strcmp(target, rel) == 0)
		return err_set(w->e, EXIT_SETUP, "hard link '%s' points at itself or the root", rel);
	int tfd = path_parent_beneath(w->dirs.fd[0], target, 0, tleaf, w->e);
	if (tfd < 0)
		return err_ctx(w->e, "hard link '%s'", rel);
	int rc = linkat(tfd, tleaf, dfd, leaf, 0);
	if (rc < 0 && errno == EEXIST && clear_name(dfd, leaf) == 0)
		rc = linkat(tfd, tleaf, dfd, leaf, 0);
	close(tfd);
	if (rc < 0)
		return err_sys(w->e, EXIT_SETUP, "hard link '%s' to '%s'", rel, target);
	char key[PATH_MAX + 1], tkey[PATH_MAX + 1];
	snprintf(key, sizeof key, "/%s", rel);
	snprintf(tkey, sizeof tkey, "/%s", target);
	struct stat st;
	const char *sum = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)
		? tree_memo_get(w->how->memo, tkey, (uint64_t)st.st_size) : NULL;
	if (sum) {
		char copy[DIGEST_STR];
		memcpy(copy, sum, DIGEST_STR);
		tree_memo_put(w->how->memo, key, (uint64_t)st.st_size, copy);
	} else
		tree_memo_forget(w->how->memo, key);
	if (archive_entry_size(ent) <= 0)
		return 0;
	/* a link with data (pax allows it) rewrites the shared file: every
	 * name of it changes, which the memo cannot follow */
	tree_memo_poison(w->how->memo);
	int fd = openat(dfd, leaf, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(w->e, EXIT_SETUP, "write '%s'", rel);
	char ignored[DIGEST_STR];
	rc = write_data(w, fd, rel, ignored);
	if (close(fd) < 0 && rc == 0)
		rc = err_sys(w->e, EXIT_SETUP, "write '%s'", rel);
	return rc;
}

static int write_node(struct writer *w, struct archive_entry *ent, int dfd, const char *leaf,
		      const char *rel)
{
	mode_t type = archive_entry_filetype(ent);
	if (type != AE_IFIFO && !w->how->devices) {
		log_debug("skipping device node %s (needs root)", rel);
		return 0;
	}
	mode_t mode = type | (archive_entry_perm(ent) & 07777);
	dev_t dev = makedev(archive_entry_rdevmajor(ent), archive_entry_rdevminor(ent));
	int rc = mknodat(dfd, leaf, mode, dev);
	if (rc < 0 && errno == EEXIST && clear_name(dfd, leaf) == 0)
		rc = mknodat(dfd, leaf, mode, dev);
	if (rc < 0)
		return err_sys(w->e, EXIT_SETUP, "create '%s'", rel);
	return own_and_stamp(w, ent, dfd, leaf, rel);
}

static int write_entry(struct writer *w, struct archive_entry *ent, const char *rel)
{
	if (!*rel) {   /* "./": the root's own mode and times */
		uid_t uid;
		gid_t gid;
		if (archive_entry_filetype(ent) != AE_IFDIR)
			return err_set(w->e, EXIT_SETUP, "the layer's root entry is not a directory");
		if (owner_of(w, ent, &uid, &gid) == 0 && fchown(w->dirs.fd[0], uid, gid) < 0)
			return err_sys(w->e, EXIT_SETUP, "set the owner of the layer's root");
		return add_fixup(w, rel, ent);
	}
	const char *leaf;
	int dfd = parent_of(w, rel, 1, &leaf);
	if (dfd < 0)
		return err_ctx(w->e, "extract '%s'", rel);
	if (archive_entry_hardlink(ent))
		return write_hardlink(w, ent, dfd, leaf, rel);
	switch (archive_entry_filetype(ent)) {
	case AE_IFREG:
		return write_file(w, ent, dfd, leaf, rel);
	case AE_IFDIR:
		return write_dir(w, ent, dfd, leaf, rel);
	case AE_IFLNK:
		return write_symlink(w, ent, dfd, leaf, rel);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return write_node(w, ent, dfd, leaf, rel);
	default:
		log_debug("skipping '%s' (a socket or an unknown type)", rel);
		return 0;
	}
}

/* Give each directory its mode and times, now that its entries exist. A
 * name a later entry turned into something else is skipped. */
static int apply_fixups(struct writer *w, const struct fixups *l)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		const struct fixup *f = &l->v[i];
		int fd;
		if (!*f->path)
			fd = dir_dup(w->dirs.fd[0]);
		else {
			const char *leaf;
			struct err *keep = w->e, gone = { 0 };
			w->e = &gone;   /* (a vanished name is no error; an earlier one stays) */
			int dfd = parent_of(w, f->path, 0, &leaf);
			w->e = keep;
			fd = dfd < 0 ? -1 : openat(dfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			continue;
		if (fchmod(fd, f->mode) < 0 || futimens(fd, f->ts) < 0)
			rc = err_sys(w->e, EXIT_SETUP, "set the mode of directory '%s'", f->path);
		close(fd);
	}
	return rc;
}

static int is_whiteout(const char *base)
{
	return strncmp(base, WH, strlen(WH)) == 0;
}

static int apply_entries(struct writer *w)
{
	struct archive_entry *ent;
	char rel[PATH_MAX];
	int r;
	while ((r = archive_read_next_header(w->a, &ent)) == ARCHIVE_OK) {
		const char *path = archive_entry_pathname(ent);
		if (!path || !*path)
			return err_set(w->e, EXIT_SETUP, "layer has an entry without a name");
		if (clean_path(path, rel, w->e) < 0)
			return -1;
		const char *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel;
		if (is_whiteout(base)) {
			/* ".wh..wh.*" other than the opaque marker: aufs metadata, skip */
			if (strncmp(base, WH WH, 8) == 0 && strcmp(base, WH_OPQ) != 0)
				continue;
			if (w->how->mode != LAYER_CONTENT && apply_whiteout(w, rel) < 0)
				return -1;
			continue;
		}
		if (w->how->mode == LAYER_DELETE)
			continue;
		if (write_entry(w, ent, rel) < 0)
			return -1;
	}
	if (r != ARCHIVE_EOF)
		return err_set(w->e, EXIT_SETUP, "layer is not a valid tar: %s", archive_error_string(w->a));
	return 0;
}

int layer_apply(struct archive *a, int rootfd, const struct layer_how *how, struct err *e)
{
	struct writer w = { .a = a, .how = how, .uid = geteuid(), .gid = getegid(), .e = e };
	w.dirs.fd[0] = rootfd;
	if (how->mode != LAYER_OVERLAY && !how->owners)
		w.dirs.restore = &w.restore;
	/* modes exactly as the image has them */
	mode_t old = umask(0);
	int rc = apply_entries(&w);
	w.dirs.restore = NULL;
	/* lower layers' modes put back first, then this layer's own */
	int rc2 = apply_fixups(&w, &w.restore);
	if (rc == 0)
		rc = rc2;
	if (rc == 0)
		rc = apply_fixups(&w, &w.fix);
	umask(old);
	dirs_pop(&w.dirs, 0);
	fixups_free(&w.fix);
	fixups_free(&w.restore);
	return rc;
}
