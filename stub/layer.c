#include "layer.h"

#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"

#define WH ".wh."
#define WH_OPQ ".wh..wh..opq"

static const char *base_name(const char *path)
{
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	const char *p = path + n;
	while (p > path && p[-1] != '/')
		p--;
	return p;
}

/* A whiteout entry: delete (flatten) or mark (overlay) what it names. */
static int apply_whiteout(int rootfd, const char *path, enum layer_mode mode, struct err *e)
{
	char leaf[NAME_MAX + 1];
	int opaque = strcmp(base_name(path), WH_OPQ) == 0;
	int dfd = path_parent_beneath(rootfd, path, mode == LAYER_OVERLAY, leaf, e);
	if (dfd < 0) {
		/* Whiting out below something absent, or below a non-directory
		 * (umoci writes "d" then "d/.wh.x" when a dir became a file), is a
		 * no-op: nothing of the lower layers shows through there. */
		if (errno == ENOTDIR || (mode == LAYER_DELETE && errno == ENOENT)) {
			*e = (struct err){ 0 };
			return 0;
		}
		return err_ctx(e, "whiteout '%s'", path);
	}
	const char *name = leaf + strlen(WH);
	int rc = 0;
	if (opaque && mode == LAYER_OVERLAY)
		rc = fsetxattr(dfd, "user.overlay.opaque", "y", 1, 0);
	else if (opaque)
		rc = empty_dir(dfd);
	else if (mode == LAYER_OVERLAY) {
		rmtree_at(dfd, name);
		rc = mknodat(dfd, name, S_IFCHR | 0600, makedev(0, 0));
	} else
		rc = rmtree_at(dfd, name);
	close(dfd);
	if (rc < 0)
		return err_sys(e, EXIT_SETUP, "apply whiteout '%s'", path);
	return 0;
}

/* Remove a directory where a non-directory is about to be written. */
static int clear_dir_for(int rootfd, const char *path, struct err *e)
{
	char leaf[NAME_MAX + 1];
	struct stat st;
	/* cheap look first (almost always: nothing there); the removal itself
	 * goes through the safe walk */
	if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	int dfd = path_parent_beneath(rootfd, path, 0, leaf, e);
	if (dfd < 0) {
		e->code = 0;   /* parent missing: libarchive will create it */
		return 0;
	}
	int rc = 0;
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		rc = rmtree_at(dfd, leaf);
	close(dfd);
	return rc < 0 ? err_sys(e, EXIT_SETUP, "replace directory '%s'", path) : 0;
}

/* libarchive's message plus the system's reason (ENOSPC and friends) */
static int disk_error(struct err *e, struct archive *w, const char *what, const char *path)
{
	int en = archive_errno(w);
	if (en > 0)
		return err_set(e, EXIT_SETUP, "%s '%s': %s: %s", what, path, archive_error_string(w), strerror(en));
	return err_set(e, EXIT_SETUP, "%s '%s': %s", what, path, archive_error_string(w));
}

struct layer_how layer_how_self(enum layer_mode mode)
{
	int root = geteuid() == 0;
	return (struct layer_how){ .mode = mode, .owners = root, .devices = root,
				   .uids = root ? UINT32_MAX : 0, .gids = root ? UINT32_MAX : 0 };
}

static struct archive *disk_writer(const struct layer_how *how)
{
	/* a cache layer starts empty: no need to unlink before each create
	 * (libarchive still replaces what a duplicate entry finds) */
	int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
		    (how->mode == LAYER_OVERLAY ? 0 : ARCHIVE_EXTRACT_UNLINK) |
		    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	if (how->owners)
		flags |= ARCHIVE_EXTRACT_OWNER;
	struct archive *w = archive_write_disk_new();
	if (w && archive_write_disk_set_options(w, flags) != ARCHIVE_OK) {
		archive_write_free(w);
		return NULL;
	}
	return w;
}

/* An owner the namespace has no id for: "nobody", or root if even that
 * is missing (a short subordinate range). */
static la_int64_t mapped(la_int64_t id, uint32_t n)
{
	return id >= 0 && (uint64_t)id < n ? id : 65534 < n ? 65534 : 0;
}

static int write_entry(struct archive *a, struct archive *w, struct archive_entry *ent,
		       int rootfd, const struct layer_how *how, struct err *e)
{
	const char *path = archive_entry_pathname(ent);
	mode_t type = archive_entry_filetype(ent);
	if ((type == AE_IFCHR || type == AE_IFBLK) && !how->devices) {
		log_debug("skipping device node %s (needs root)", path);
		return 0;
	}
	/* a non-directory replaces a directory (of a lower layer when
	 * flattening, of the same layer earlier in the tar otherwise) */
	if (type != AE_IFDIR && clear_dir_for(rootfd, path, e) < 0)
		return -1;
	if (!how->owners) {
		/* Owners are not restored without root; claim the entry as ours so
		 * libarchive keeps setuid/setgid bits as the image has them. */
		archive_entry_set_uid(ent, geteuid());
		archive_entry_set_gid(ent, getegid());
	} else {
		archive_entry_set_uid(ent, mapped(archive_entry_uid(ent), how->uids));
		archive_entry_set_gid(ent, mapped(archive_entry_gid(ent), how->gids));
	}
	if (archive_write_header(w, ent) != ARCHIVE_OK)
		return disk_error(e, w, "extract", path);
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK)
			return disk_error(e, w, "write", path);
	if (r != ARCHIVE_EOF)
		return err_set(e, EXIT_SETUP, "read '%s': %s", path, archive_error_string(a));
	if (archive_write_finish_entry(w) != ARCHIVE_OK)
		return disk_error(e, w, "finish", path);
	return 0;
}

static int is_whiteout(const char *path)
{
	return strncmp(base_name(path), WH, strlen(WH)) == 0;
}

static int apply_entries(struct archive *a, struct archive *w, int rootfd,
			 const struct layer_how *how, struct err *e)
{
	struct archive_entry *ent;
	int r;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *path = archive_entry_pathname(ent);
		if (!path || !*path)
			return err_set(e, EXIT_SETUP, "layer has an entry without a name");
		const char *base = base_name(path);
		if (is_whiteout(path)) {
			/* ".wh..wh.*" other than the opaque marker: aufs metadata, skip */
			if (strncmp(base, WH WH, 8) == 0 && strcmp(base, WH_OPQ) != 0)
				continue;
			if (how->mode != LAYER_CONTENT && apply_whiteout(rootfd, path, how->mode, e) < 0)
				return -1;
			continue;
		}
		if (how->mode == LAYER_DELETE)
			continue;
		if (write_entry(a, w, ent, rootfd, how, e) < 0)
			return -1;
	}
	if (r != ARCHIVE_EOF)
		return err_set(e, EXIT_SETUP, "layer is not a valid tar: %s", archive_error_string(a));
	return 0;
}

int layer_apply(struct archive *a, int rootfd, const struct layer_how *how, struct err *e)
{
	struct archive *w = disk_writer(how);
	int cwd = w ? cwd_enter(NULL, rootfd) : -1;
	if (cwd < 0) {
		if (w)
			archive_write_free(w);
		return err_sys(e, EXIT_SETUP, "prepare extraction");
	}
	int rc = apply_entries(a, w, rootfd, how, e);
	/* close applies deferred directory modes and times */
	if (archive_write_close(w) != ARCHIVE_OK && rc == 0)
		rc = err_set(e, EXIT_SETUP, "finish extraction: %s", archive_error_string(w));
	archive_write_free(w);
	if (cwd_leave(cwd) < 0 && rc == 0)
		rc = err_sys(e, EXIT_SETUP, "restore working directory");
	return rc;
}
