/* boxcar commit: a named container's image plus its writable layer, as a
 * new packed file. The image's layers are copied as they are (same
 * digests); the changes become one more layer, deletions as whiteouts
 * (".wh.NAME") and directories that hide the layers below as opaque
 * (".wh..wh..opq"), the OCI layer format. */
#include "commit.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "changes.h"
#include "../stub/state.h"

struct inode {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct tarw {
	struct archive *a;
	const struct kept *k;
	struct err *e;
	int entries;
	struct inode *links;   /* files with several links, first path seen */
	int nlinks, caplinks;
	char buf[1 << 16];
};

static int tar_fail(struct tarw *t, const char *path)
{
	return err_set(t->e, EXIT_PACK, "commit: %s: %s", path, archive_error_string(t->a));
}

/* A marker entry (whiteout or opaque): an empty regular file. */
static int put_marker(struct tarw *t, const char *path, const char *dir, const char *name,
		      const struct stat *st)
{
	char *p = NULL;
	if (asprintf(&p, "%s%s.wh.%s", dir, *dir ? "/" : "", name) < 0)
		return err_set(t->e, EXIT_PACK, "out of memory");
	struct archive_entry *en = archive_entry_new();
	archive_entry_set_pathname(en, p);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0600);
	archive_entry_set_size(en, 0);
	archive_entry_set_mtime(en, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	int rc = archive_write_header(t->a, en) == ARCHIVE_OK ? 0 : tar_fail(t, path);
	archive_entry_free(en);
	free(p);
	t->entries++;
	return rc;
}

/* The first path of a file with several links; else remember this one. */
static const char *link_target(struct tarw *t, const struct stat *st, const char *rel)
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

static int put_data(struct tarw *t, int dirfd, const char *name, const char *path)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(t->e, EXIT_PACK, "commit: read %s", path);
	ssize_t n;
	while ((n = read(fd, t->buf, sizeof t->buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && archive_write_data(t->a, t->buf, (size_t)n) != n) {
			close(fd);
			return tar_fail(t, path);
		}
	close(fd);
	return n < 0 ? err_sys(t->e, EXIT_PACK, "commit: read %s", path) : 0;
}

static int put_entry(const char *path, int dirfd, const char *name, const struct stat *st,
		     enum change_kind kind, void *arg)
{
	struct tarw *t = arg;
	const char *rel = path + 1;
	char dir[PATH_MAX], target[PATH_MAX];
	if (changes_in_volume(t->k, path))
		return 1;
	snprintf(dir, sizeof dir, "%.*s", (int)(strlen(rel) - strlen(name) - (rel != name)), rel);
	if (kind == CHANGE_WHITEOUT)
		return put_marker(t, path, dir, name, st);
	if (S_ISSOCK(st->st_mode))
		return 0;   /* (a socket cannot be archived; tar skips them too) */
	struct archive_entry *en = archive_entry_new();
	archive_entry_copy_stat(en, st);
	archive_entry_set_pathname(en, rel);
	if (!t->k->owners)
		archive_entry_set_uid(en, 0), archive_entry_set_gid(en, 0);
	const char *first = S_ISREG(st->st_mode) && st->st_nlink > 1 ? link_target(t, st, rel) : NULL;
	if (first) {
		archive_entry_set_hardlink(en, first);
		archive_entry_set_size(en, 0);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
		if (n < 0) {
			archive_entry_free(en);
			return err_sys(t->e, EXIT_PACK, "commit: read link %s", path);
		}
		target[n] = 0;
		archive_entry_set_symlink(en, target);
	}
	int rc = archive_write_header(t->a, en) == ARCHIVE_OK ? 0 : tar_fail(t, path);
	archive_entry_free(en);
	t->entries++;
	if (rc == 0 && !first && S_ISREG(st->st_mode))
		rc = put_data(t, dirfd, name, path);
	if (rc == 0 && kind == CHANGE_OPAQUE)
		rc = put_marker(t, path, rel, ".wh..opq", st);
	return rc;
}

/* The changes as a tar in img's scratch dir; *entries: how many. */
static int changes_tar(const struct kept *k, const char *file, int *entries, struct err *e)
{
	struct tarw *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(e, EXIT_PACK, "out of memory");
	t->k = k, t->e = e;
	t->a = archive_write_new();
	int rc = -1;
	if (!t->a || archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_open_filename(t->a, file) != ARCHIVE_OK)
		err_set(e, EXIT_PACK, "commit: cannot write %s: %s", file, t->a ? archive_error_string(t->a) : "out of memory");
	else if (changes_walk(k->upper, put_entry, t, e) == 0)
		rc = archive_write_close(t->a) == ARCHIVE_OK ? 0 : tar_fail(t, file);
	*entries = t->entries;
	if (t->a)
		archive_write_free(t->a);
	for (int i = 0; i < t->nlinks; i++)
		free(t->links[i].path);
	free(t->links);
	free(t);
	return rc;
}

/* The packed file's own layers, to be copied as they are. */
static int old_layers(const struct kept *k, const char *file, struct image *img, struct err *e)
{
	for (int i = 0; i < k->p.nlayers; i++) {
		const struct payload_layer *pl = &k->p.layers[i];
		struct image_layer *l = image_add_layer(img, file);
		if (!l)
			return err_set(e, EXIT_PACK, "out of memory");
		l->verbatim = 1;
		l->offset = pl->offset, l->size = pl->size, l->usize = pl->usize;
		memcpy(l->digest, pl->digest, sizeof l->digest);
		memcpy(l->diff_id, pl->diff_id, sizeof l->diff_id);
	}
	return 0;
}

static void add_history(cJSON *config, const char *name, int empty)
{
	char when[32], by[128];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(by, sizeof by, "boxcar commit %s", name);
	cJSON *h = cJSON_GetObjectItemCaseSensitive(config, "history");
	if (!cJSON_IsArray(h)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "history");
		h = cJSON_AddArrayToObject(config, "history");
	}
	cJSON *ent = cJSON_CreateObject();
	cJSON_AddStringToObject(ent, "created", when);
	cJSON_AddStringToObject(ent, "created_by", by);
	if (empty)
		cJSON_AddBoolToObject(ent, "empty_layer", 1);
	cJSON_AddItemToArray(h, ent);
	cJSON_DeleteItemFromObjectCaseSensitive(config, "created");
	cJSON_AddStringToObject(config, "created", when);
}

static int build(const struct state_rec *r, const struct kept *k, const struct pack_config *pc,
		 struct image *img, int *changed, struct err *e)
{
	char *tar;
	int entries = 0;
	if (!(img->config = cJSON_Duplicate(k->p.config, 1)))
		return err_set(e, EXIT_PACK, "out of memory");
	if (old_layers(k, r->file, img, e) < 0 || image_tmpdir(img, e) < 0)
		return -1;
	if (!(tar = path_join(img->tmpdir, "changes.tar")))
		return err_set(e, EXIT_PACK, "out of memory");
	int rc = changes_tar(k, tar, &entries, e);
	if (rc == 0 && entries && !image_add_layer(img, tar))
		rc = err_set(e, EXIT_PACK, "out of memory");
	free(tar);
	if (rc == 0 && image_config_apply(img->config, pc, e) < 0)
		rc = -1;
	if (rc == 0)
		add_history(img->config, r->name, !entries);
	*changed = entries;
	return rc;
}

/* The old file's trust list (a committed file stays as strict) plus trust. */
static void keep_trust(const struct kept *k, cJSON *trust, struct image *img)
{
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(k->p.index, "trust"), *t;
	img->trust = trust;
	if (!cJSON_IsArray(old) || !cJSON_GetArraySize(old))
		return;
	if (!img->trust)
		img->trust = cJSON_CreateArray();
	cJSON_ArrayForEach(t, old)
		cJSON_AddItemToArray(img->trust, cJSON_Duplicate(t, 1));
}

int commit_container(const char *name, const struct pack_config *pc, cJSON *trust, const char *out,
		     const struct writer_opts *wo, struct err *e)
{
	struct state_rec r;
	struct kept k;
	struct image img = { 0 };
	char source[128];
	img.trust = trust;
	int sfd = state_open(e);
	if (sfd < 0)
		return image_free(&img), -1;
	int rc = state_find(sfd, name, &r, e);
	close(sfd);
	if (rc < 0)
		return image_free(&img), -1;
	if (state_running(&r))
		log_info("note: %s is running; its changes are read as they are now", name);
	snprintf(source, sizeof source, "container %s", r.name[0] ? r.name : r.id);
	img.source = source;
	rc = kept_open(&r, &k, e);
	if (rc == 0)
		keep_trust(&k, trust, &img);
	int changed = 0;
	if (rc == 0)
		rc = build(&r, &k, pc, &img, &changed, e);
	if (rc == 0)
		rc = payload_write(&img, out, wo, e);
	if (rc == 0)
		log_info("%s: %d tar entr%s of changes %s", name, changed, changed == 1 ? "y" : "ies",
			 changed ? "as a new layer" : "(the image's layers only)");
	image_free(&img);
	kept_close(&k);
	return rc;
}
