#include "layertar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "changes.h"

struct inode {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct layertar {
	struct archive *a;
	struct err *e;
	int owners;
	long long clamp;
	int entries;
	struct inode *links;   /* files with several links, first path seen */
	int nlinks, caplinks;
	char buf[1 << 16];
};

static int tar_fail(struct layertar *t, const char *path)
{
	return err_set(t->e, EXIT_PACK, "%s: %s", path, archive_error_string(t->a));
}

struct layertar *layertar_open(const char *file, int owners, long long clamp, struct err *e)
{
	struct layertar *t = calloc(1, sizeof *t);
	if (!t) {
		err_set(e, EXIT_PACK, "out of memory");
		return NULL;
	}
	t->e = e, t->owners = owners, t->clamp = clamp;
	t->a = archive_write_new();
	if (!t->a || archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_open_filename(t->a, file) != ARCHIVE_OK) {
		err_set(e, EXIT_PACK, "cannot write %s: %s", file, t->a ? archive_error_string(t->a) : "out of memory");
		layertar_abort(t);
		return NULL;
	}
	return t;
}

void layertar_abort(struct layertar *t)
{
	if (!t)
		return;
	if (t->a)
		archive_write_free(t->a);
	for (int i = 0; i < t->nlinks; i++)
		free(t->links[i].path);
	free(t->links);
	free(t);
}

int layertar_close(struct layertar *t, int *entries, struct err *e)
{
	int rc = archive_write_close(t->a) == ARCHIVE_OK ? 0
		: err_set(e, EXIT_PACK, "writing a layer: %s", archive_error_string(t->a));
	if (entries)
		*entries = t->entries;
	layertar_abort(t);
	return rc;
}

/* An entry with st's metadata, its times clamped when asked. */
static struct archive_entry *entry_new(struct layertar *t, const char *rel, const struct stat *st)
{
	struct archive_entry *en = archive_entry_new();
	if (!en)
		return NULL;
	archive_entry_copy_stat(en, st);
	archive_entry_set_pathname(en, rel);
	if (!t->owners)
		archive_entry_set_uid(en, 0), archive_entry_set_gid(en, 0);
	if (t->clamp >= 0) {
		long long m = st->st_mtim.tv_sec < t->clamp ? st->st_mtim.tv_sec : t->clamp;
		archive_entry_set_mtime(en, m, 0);
		archive_entry_unset_atime(en);
		archive_entry_unset_ctime(en);
		archive_entry_unset_birthtime(en);
	}
	return en;
}

static int put_header(struct layertar *t, struct archive_entry *en, const char *rel)
{
	int rc = archive_write_header(t->a, en) == ARCHIVE_OK ? 0 : tar_fail(t, rel);
	archive_entry_free(en);
	t->entries++;
	return rc;
}

int layertar_marker(struct layertar *t, const char *dir, const char *name, const struct stat *st)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s%s.wh.%s", dir, *dir ? "/" : "", name) >= (int)sizeof p)
		return err_set(t->e, EXIT_PACK, "path too long: %s/%s", dir, name);
	struct stat m = { .st_mode = S_IFREG | 0600, .st_mtim = st->st_mtim };
	struct archive_entry *en = entry_new(t, p, &m);
	if (!en)
		return err_set(t->e, EXIT_PACK, "out of memory");
	archive_entry_set_uid(en, 0), archive_entry_set_gid(en, 0);
	return put_header(t, en, p);
}

/* The first path of a file with several links; else remember this one. */
static const char *link_target(struct layertar *t, const struct stat *st, const char *rel)
{
	for (int i = 0; i < t->nlinks; i++)
		if (t->links[i].dev == st->st_dev && t->links[i].ino == st->st_ino)
			return t->links[i].path;
	if (t->nlinks == t->caplinks) {
		int cap = t->caplinks ? 2 * t->caplinks : 16;
		struct inode *nl = realloc(t->links, (size_t)cap * sizeof *nl);
		if (!nl)
			return NULL;
		t->links = nl, t->caplinks = cap;
	}
	char *copy = strdup(rel);
	if (copy)
		t->links[t->nlinks++] = (struct inode){ st->st_dev, st->st_ino, copy };
	return NULL;
}

static int put_data(struct layertar *t, int dirfd, const char *name, const char *rel, off_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(t->e, EXIT_PACK, "read %s", rel);
	ssize_t n = 0;
	off_t done = 0;
	while (done < size && ((n = read(fd, t->buf, sizeof t->buf)) > 0 || (n < 0 && errno == EINTR))) {
		if (n < 0)
			continue;
		if (n > size - done)
			n = size - done;   /* (grew since its stat: the header said size) */
		if (archive_write_data(t->a, t->buf, (size_t)n) != n) {
			close(fd);
			return tar_fail(t, rel);
		}
		done += n;
	}
	close(fd);
	if (n < 0)
		return err_sys(t->e, EXIT_PACK, "read %s", rel);
	return done == size ? 0 : err_set(t->e, EXIT_PACK, "read %s: it shrank while being read", rel);
}

int layertar_put(struct layertar *t, const char *rel, int dirfd, const char *name,
		 const struct stat *st)
{
	char target[PATH_MAX];
	if (S_ISSOCK(st->st_mode))
		return 0;   /* (a socket cannot be archived; tar skips them too) */
	struct archive_entry *en = entry_new(t, rel, st);
	if (!en)
		return err_set(t->e, EXIT_PACK, "out of memory");
	const char *first = S_ISREG(st->st_mode) && st->st_nlink > 1 ? link_target(t, st, rel) : NULL;
	if (first) {
		archive_entry_set_hardlink(en, first);
		archive_entry_set_size(en, 0);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
		if (n < 0) {
			archive_entry_free(en);
			return err_sys(t->e, EXIT_PACK, "read link %s", rel);
		}
		target[n] = 0;
		archive_entry_set_symlink(en, target);
	}
	int rc = put_header(t, en, rel);
	if (rc == 0 && !first && S_ISREG(st->st_mode))
		rc = put_data(t, dirfd, name, rel, st->st_size);
	return rc;
}

int layertar_put_bytes(struct layertar *t, const char *rel, const void *data, size_t n,
		       const struct stat *st)
{
	struct stat s = *st;
	s.st_mode = S_IFREG | (st->st_mode & 07777);
	s.st_size = (off_t)n;
	s.st_nlink = 1;
	struct archive_entry *en = entry_new(t, rel, &s);
	if (!en)
		return err_set(t->e, EXIT_PACK, "out of memory");
	int rc = put_header(t, en, rel);
	if (rc == 0 && n && archive_write_data(t->a, data, n) != (la_ssize_t)n)
		rc = tar_fail(t, rel);
	return rc;
}

/* name made relative and clean, under prefix; "" when nothing is left. */
static int archive_name(const char *prefix, const char *name, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "%s", prefix);
	char comp[PATH_MAX];
	while (*name) {
		size_t n = strcspn(name, "/");
		if (n && n < sizeof comp && !(n == 1 && name[0] == '.') && !(n == 2 && !strncmp(name, "..", 2))) {
			if (o + n + 2 >= cap)
				return -1;
			o += (size_t)snprintf(out + o, cap - o, "%s%.*s", o ? "/" : "", (int)n, name);
		}
		name += n + (name[n] == '/');
	}
	return 0;
}

static int copy_entry(struct layertar *t, struct archive *in, struct archive_entry *en, const char *prefix)
{
	char path[PATH_MAX], link[PATH_MAX];
	if (archive_name(prefix, archive_entry_pathname(en), path, sizeof path) < 0 || !path[0])
		return 0;
	archive_entry_set_pathname(en, path);
	const char *hl = archive_entry_hardlink(en);
	if (hl) {
		if (archive_name(prefix, hl, link, sizeof link) < 0)
			return 0;
		archive_entry_set_hardlink(en, link);
	}
	if (t->clamp >= 0 && archive_entry_mtime(en) > t->clamp)
		archive_entry_set_mtime(en, t->clamp, 0);
	if (archive_write_header(t->a, en) != ARCHIVE_OK)
		return tar_fail(t, path);
	t->entries++;
	la_ssize_t n;
	while ((n = archive_read_data(in, t->buf, sizeof t->buf)) > 0)
		if (archive_write_data(t->a, t->buf, (size_t)n) != n)
			return tar_fail(t, path);
	return n < 0 ? err_set(t->e, EXIT_PACK, "%s: %s", path, archive_error_string(in)) : 0;
}

int layertar_put_archive(struct layertar *t, int fd, const char *prefix, struct err *e)
{
	struct archive *in = archive_read_new();
	struct archive_entry *en;
	if (!in)
		return err_set(e, EXIT_PACK, "out of memory");
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	int r = archive_read_open_fd(in, fd, 1 << 16);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(in, &en);
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF) {
		archive_read_free(in);
		return 1;   /* not an archive: ADD copies it as a file */
	}
	int rc = 0;
	for (; rc == 0 && r == ARCHIVE_OK; r = archive_read_next_header(in, &en))
		rc = copy_entry(t, in, en, prefix);
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = err_set(e, EXIT_PACK, "a damaged archive: %s", archive_error_string(in));
	archive_read_free(in);
	return rc;
}

struct walk {
	struct layertar *t;
	int (*skip)(const char *path, void *arg);
	void *arg;
};

static int put_change(const char *path, int dirfd, const char *name, const struct stat *st,
		      enum change_kind kind, void *arg)
{
	struct walk *w = arg;
	const char *rel = path + 1;
	char dir[PATH_MAX];
	if (w->skip && w->skip(path, w->arg))
		return 1;
	snprintf(dir, sizeof dir, "%.*s", (int)(strlen(rel) - strlen(name) - (rel != name)), rel);
	if (kind == CHANGE_WHITEOUT)
		return layertar_marker(w->t, dir, name, st);
	int rc = layertar_put(w->t, rel, dirfd, name, st);
	if (rc == 0 && kind == CHANGE_OPAQUE)
		rc = layertar_marker(w->t, rel, ".wh..opq", st);
	return rc;
}

int layertar_changes(int upper, const char *file, int owners, long long clamp,
		     int (*skip)(const char *path, void *arg), void *arg, int *entries, struct err *e)
{
	struct walk w = { layertar_open(file, owners, clamp, e), skip, arg };
	if (!w.t)
		return -1;
	if (changes_walk(upper, put_change, &w, e) < 0) {
		layertar_abort(w.t);
		return -1;
	}
	return layertar_close(w.t, entries, e);
}
