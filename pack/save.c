#include "save.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "reference.h"
#include "sources.h"
#include "writer.h"

#define REF_NAME "org.opencontainers.image.ref.name"
#define JSON_MAX (8u << 20)
#define NAME_MAX_LEN 80     /* "blobs/sha256/" + 64 hex, or "<64 hex>.json" */

/* Where the files go: beneath a directory, or into a tar. */
struct dest {
	const char *dir;
	struct archive *tar;
	int existing;                /* dir is a layout already: its blobs are kept */
	char (*names)[NAME_MAX_LEN]; /* tar entries written (a blob named twice goes once) */
	int nnames, cap;
	mode_t fmode;                /* files' mode (0666 less the umask) */
};

/* What one file's bytes come from: memory, or a layer of the packed file. */
struct piece {
	const char *mem;
	size_t len;
	const struct payload *p;
	int layer;
	enum layer_enc enc;
	struct blob_desc got;        /* the layer's digest and size once written */
};

static int fd_emit(void *arg, const void *buf, size_t n)
{
	return write_full(*(int *)arg, buf, n);
}

static int tar_emit(void *arg, const void *buf, size_t n)
{
	struct archive *a = arg;
	if (archive_write_data(a, buf, n) == (la_ssize_t)n)
		return 0;
	errno = archive_errno(a) > 0 ? archive_errno(a) : EIO;
	return -1;
}

static int produce(struct piece *pc, export_emit emit, void *arg, struct err *e)
{
	if (pc->p)
		return export_layer(pc->p, pc->layer, pc->enc, emit, arg, &pc->got, e);
	return emit(arg, pc->mem, pc->len) < 0 ? err_sys(e, EXIT_PACK, "writing the image") : 0;
}

static int fd_body(int fd, void *arg, struct err *e)
{
	return produce(arg, fd_emit, &fd, e);
}

static int tar_err(struct archive *a, struct err *e)
{
	errno = archive_errno(a) > 0 ? archive_errno(a) : EIO;
	return err_sys(e, EXIT_PACK, "writing the archive (%s)", archive_error_string(a) ? archive_error_string(a) : "?");
}

static int tar_header(struct archive *a, const char *name, uint64_t size, int isdir, struct err *e)
{
	struct archive_entry *en = archive_entry_new();
	if (!en)
		return err_set(e, EXIT_PACK, "out of memory");
	archive_entry_set_pathname(en, name);
	archive_entry_set_filetype(en, isdir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(en, isdir ? 0755 : 0644);
	archive_entry_set_size(en, isdir ? 0 : (la_int64_t)size);
	archive_entry_set_mtime(en, 0, 0);   /* the same image, the same bytes */
	int rc = archive_write_header(a, en);
	archive_entry_free(en);
	return rc == ARCHIVE_OK || rc == ARCHIVE_WARN ? 0 : tar_err(a, e);
}

/* 1 when name was written already (a layer that comes twice); else noted */
static int seen(struct dest *d, const char *name)
{
	for (int i = 0; i < d->nnames; i++)
		if (!strcmp(d->names[i], name))
			return 1;
	if (d->nnames < d->cap)
		snprintf(d->names[d->nnames++], NAME_MAX_LEN, "%s", name);
	return 0;
}

/* The file `name` of `size` bytes (known beforehand) from pc. */
static int put(struct dest *d, const char *name, uint64_t size, struct piece *pc, struct err *e)
{
	if (d->tar)
		return seen(d, name) ? 0 : tar_header(d->tar, name, size, 0, e) < 0 ? -1 : produce(pc, tar_emit, d->tar, e);
	char *path = path_join(d->dir, name);
	if (!path)
		return err_set(e, EXIT_PACK, "out of memory");
	int rc = d->existing && !strncmp(name, "blobs/", 6) && access(path, F_OK) == 0 ? 0 :
		 output_atomic_mode(path, d->fmode, fd_body, pc, e);
	free(path);
	return rc;
}

static int put_dir(struct dest *d, const char *name, struct err *e)
{
	if (d->tar)
		return tar_header(d->tar, name, 0, 1, e);
	char *path = path_join(d->dir, name);
	int rc = path && mkdir_p(path, 0755) == 0 ? 0 : err_sys(e, EXIT_PACK, "cannot create %s/%s", d->dir, name);
	free(path);
	return rc;
}

/* A temporary file for a blob whose digest is known only once written:
 * beside the blobs (renamed into place after) or in $TMPDIR (copied into
 * the tar, then removed). Its name in tmp. */
static int temp_open(const struct dest *d, char *tmp, size_t cap, struct err *e)
{
	const char *t = getenv("TMPDIR");
	if (d->tar)
		snprintf(tmp, cap, "%s/boxcar-save.XXXXXX", t && *t ? t : "/tmp");
	else
		snprintf(tmp, cap, "%s/blobs/sha256/.boxcar-save.XXXXXX", d->dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	return fd < 0 ? err_sys(e, EXIT_PACK, "cannot create a temporary file %s", tmp) : fd;
}

static int copy_into_tar(struct dest *d, int fd, uint64_t size, struct err *e)
{
	unsigned char *buf = malloc(1 << 17);
	int rc = buf ? 0 : err_set(e, EXIT_PACK, "out of memory");
	for (uint64_t done = 0; rc == 0 && done < size; ) {
		size_t n = size - done < (1 << 17) ? (size_t)(size - done) : (1 << 17);
		if (pread_full(fd, buf, n, (off_t)done) < 0)
			rc = err_sys(e, EXIT_PACK, "reading a temporary file");
		else if (tar_emit(d->tar, buf, n) < 0)
			rc = tar_err(d->tar, e);
		done += n;
	}
	free(buf);
	return rc;
}

/* A layer whose digest comes out of writing it (gzip): through a
 * temporary file. Its name follows from pc->got. */
static int put_unknown(struct dest *d, struct piece *pc, struct err *e)
{
	char tmp[4200], name[NAME_MAX_LEN];
	int fd = temp_open(d, tmp, sizeof tmp, e), rc = -1;
	if (fd < 0)
		return -1;
	if (produce(pc, fd_emit, &fd, e) < 0)
		goto out;
	snprintf(name, sizeof name, "blobs/sha256/%s", digest_hex(pc->got.digest));
	if (d->tar)
		rc = seen(d, name) ? 0 : tar_header(d->tar, name, pc->got.size, 0, e) < 0 ? -1 : copy_into_tar(d, fd, pc->got.size, e);
	else {
		char *path = path_join(d->dir, name);
		rc = path && fchmod(fd, d->fmode) == 0 && fsync(fd) == 0 && rename(tmp, path) == 0 ? 0 :
		     err_sys(e, EXIT_PACK, "cannot write %s", path ? path : name);
		free(path);
	}
out:
	close(fd);
	if (d->tar || rc < 0)
		unlink(tmp);
	return rc;
}

/* Every layer; their descriptors in out. docker: plain tars "<diff_id hex>.tar". */
static int put_layers(struct dest *d, const struct payload *p, enum layer_enc enc, int docker,
		      struct blob_desc *out, struct err *e)
{
	for (int i = 0; i < p->nlayers; i++) {
		struct piece pc = { .p = p, .layer = i, .enc = enc };
		char name[NAME_MAX_LEN];
		log_debug("layer %d/%d", i + 1, p->nlayers);
		if (!export_known(p, i, enc, &out[i])) {
			if (put_unknown(d, &pc, e) < 0)
				return -1;
			out[i] = pc.got;
			continue;
		}
		if (docker)
			snprintf(name, sizeof name, "%s.tar", digest_hex(out[i].digest));
		else
			snprintf(name, sizeof name, "blobs/sha256/%s", digest_hex(out[i].digest));
		if (put(d, name, out[i].size, &pc, e) < 0)
			return -1;
	}
	return 0;
}

/* Bytes in memory as the file name. */
static int put_text(struct dest *d, const char *name, const char *text, struct err *e)
{
	struct piece pc = { .mem = text, .len = strlen(text) };
	return put(d, name, pc.len, &pc, e);
}

static int put_blob_text(struct dest *d, const char *text, const struct blob_desc *b, struct err *e)
{
	char name[NAME_MAX_LEN];
	snprintf(name, sizeof name, "blobs/sha256/%s", digest_hex(b->digest));
	return put_text(d, name, text, e);
}

/* The index.json entry of the manifest m. */
static cJSON *index_entry(const struct blob_desc *m, const char *tag, const cJSON *config)
{
	cJSON *j = cJSON_CreateObject(), *pl, *ann;
	const char *arch = json_str(config, "architecture"), *os = json_str(config, "os");
	int ok = j && cJSON_AddStringToObject(j, "mediaType", export_manifest_type(0)) &&
		 cJSON_AddStringToObject(j, "digest", m->digest) && cJSON_AddNumberToObject(j, "size", (double)m->size);
	if (ok && tag)
		ok = (ann = cJSON_AddObjectToObject(j, "annotations")) && cJSON_AddStringToObject(ann, REF_NAME, tag);
	if (ok && arch && os)
		ok = (pl = cJSON_AddObjectToObject(j, "platform")) && cJSON_AddStringToObject(pl, "architecture", arch) &&
		     cJSON_AddStringToObject(pl, "os", os);
	if (!ok)
		cJSON_Delete(j);
	return ok ? j : NULL;
}

/* The layout's index.json, or a new one; an entry of the same tag goes. */
static cJSON *index_load(const struct dest *d, const char *tag, struct err *e)
{
	char *text = NULL;
	cJSON *idx = NULL, *ms, *m;
	if (d->existing) {
		int dfd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		text = dfd < 0 ? NULL : read_file_at(dfd, "index.json", JSON_MAX, NULL);
		if (dfd >= 0)
			close(dfd);
		if (!text && errno != ENOENT)
			return err_sys(e, EXIT_PACK, "%s/index.json", d->dir), NULL;
	}
	idx = text ? json_parse_buf(text, strlen(text), "index.json", e) : cJSON_CreateObject();
	free(text);
	if (!idx)
		return err_ctx(e, "%s", d->dir), NULL;
	if (!cJSON_IsArray(ms = cJSON_GetObjectItemCaseSensitive(idx, "manifests"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(idx, "manifests");
		cJSON_AddNumberToObject(idx, "schemaVersion", 2);
		cJSON_AddStringToObject(idx, "mediaType", "application/vnd.oci.image.index.v1+json");
		ms = cJSON_AddArrayToObject(idx, "manifests");
	}
	for (int i = cJSON_GetArraySize(ms) - 1; tag && i >= 0; i--) {
		m = cJSON_GetArrayItem(ms, i);
		const char *name = json_str(cJSON_GetObjectItemCaseSensitive(m, "annotations"), REF_NAME);
		if (name && !strcmp(name, tag))
			cJSON_DeleteItemFromArray(ms, i);
	}
	return idx;
}

static int put_index(struct dest *d, const struct blob_desc *m, const char *tag, const cJSON *config, struct err *e)
{
	cJSON *idx = index_load(d, tag, e), *ent = idx ? index_entry(m, tag, config) : NULL;
	char *text = NULL;
	if (ent && cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(idx, "manifests"), ent))
		text = cJSON_PrintUnformatted(idx);
	else
		cJSON_Delete(ent);
	cJSON_Delete(idx);
	if (!text)
		return e->code ? -1 : err_set(e, EXIT_PACK, "out of memory");
	int rc = put_text(d, "index.json", text, e);
	free(text);
	return rc;
}

/* An OCI layout's files into d: oci-layout, blobs, index.json last. */
static int put_oci(struct dest *d, const struct payload *p, const char *tag, enum layer_enc enc, struct err *e)
{
	struct blob_desc *layers = calloc((size_t)p->nlayers + 1, sizeof *layers), cd, md;
	char *config = NULL, *manifest = NULL;
	int rc = -1;
	if (!layers)
		return err_set(e, EXIT_PACK, "out of memory");
	if ((!d->existing && put_text(d, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", e) < 0) ||
	    put_dir(d, "blobs", e) < 0 || put_dir(d, "blobs/sha256", e) < 0 ||
	    put_layers(d, p, enc, 0, layers, e) < 0 || !(config = export_config(p, &cd, e)) ||
	    put_blob_text(d, config, &cd, e) < 0)
		goto out;
	if (!(manifest = export_manifest(&cd, layers, p->nlayers, enc, 0, &md))) {
		err_set(e, EXIT_PACK, "out of memory");
		goto out;
	}
	if (put_blob_text(d, manifest, &md, e) == 0 && put_index(d, &md, tag, p->config, e) == 0)
		rc = 0;
out:
	free(layers);
	free(config);
	free(manifest);
	return rc;
}

/* manifest.json of a docker-archive: one image */
static char *docker_manifest(const struct blob_desc *cd, const struct blob_desc *layers, int n, const char *ref)
{
	char name[NAME_MAX_LEN];
	cJSON *top = cJSON_CreateArray(), *m = cJSON_CreateObject(), *tags, *ls;
	int ok = top && m && cJSON_AddItemToArray(top, m);
	if (!ok)
		cJSON_Delete(m);
	snprintf(name, sizeof name, "%s.json", digest_hex(cd->digest));
	ok = ok && cJSON_AddStringToObject(m, "Config", name) && (tags = cJSON_AddArrayToObject(m, "RepoTags")) &&
	     (ls = cJSON_AddArrayToObject(m, "Layers"));
	if (ok && ref)
		ok = cJSON_AddItemToArray(tags, cJSON_CreateString(ref));
	for (int i = 0; ok && i < n; i++) {
		snprintf(name, sizeof name, "%s.tar", digest_hex(layers[i].digest));
		ok = cJSON_AddItemToArray(ls, cJSON_CreateString(name));
	}
	char *text = ok ? cJSON_PrintUnformatted(top) : NULL;
	cJSON_Delete(top);
	return text;
}

/* docker save's files: "<diff_id>.tar" layers, "<config digest>.json", manifest.json. */
static int put_docker(struct dest *d, const struct payload *p, const char *ref, struct err *e)
{
	struct blob_desc *layers = calloc((size_t)p->nlayers + 1, sizeof *layers), cd;
	char *config = NULL, *manifest = NULL, name[NAME_MAX_LEN];
	int rc = -1;
	if (!layers)
		return err_set(e, EXIT_PACK, "out of memory");
	if (put_layers(d, p, ENC_NONE, 1, layers, e) < 0 || !(config = export_config(p, &cd, e)))
		goto out;
	snprintf(name, sizeof name, "%s.json", digest_hex(cd.digest));
	if (put_text(d, name, config, e) < 0)
		goto out;
	if (!(manifest = docker_manifest(&cd, layers, p->nlayers, ref)))
		err_set(e, EXIT_PACK, "out of memory");
	else
		rc = put_text(d, "manifest.json", manifest, e);
out:
	free(layers);
	free(config);
	free(manifest);
	return rc;
}

static mode_t umask_now(void)
{
	mode_t um = umask(0);
	umask(um);
	return um;
}

static mode_t file_mode(void)
{
	return 0666 & ~umask_now();
}

struct tar_job {
	const struct payload *p;
	const struct save_opts *o;
	const char *ref;             /* the tag (OCI) or NAME:TAG (docker) */
};

static int tar_body(int fd, void *arg, struct err *e)
{
	struct tar_job *j = arg;
	struct dest d = { .fmode = file_mode(), .cap = j->p->nlayers + 8 };
	int rc = -1;
	if (!(d.names = calloc((size_t)d.cap, sizeof *d.names)) || !(d.tar = archive_write_new())) {
		free(d.names);
		return err_set(e, EXIT_PACK, "out of memory");
	}
	if (archive_write_set_format_pax_restricted(d.tar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(d.tar, 1) != ARCHIVE_OK || archive_write_open_fd(d.tar, fd) != ARCHIVE_OK)
		tar_err(d.tar, e);
	else if ((j->o->format == SAVE_DOCKER_ARCHIVE ? put_docker(&d, j->p, j->ref, e)
						      : put_oci(&d, j->p, j->ref, j->o->enc, e)) == 0)
		rc = archive_write_close(d.tar) == ARCHIVE_OK ? 0 : tar_err(d.tar, e);
	archive_write_free(d.tar);
	free(d.names);
	return rc;
}

/* docker-archive's FILE[:NAME[:TAG]], split at the first ':' as skopeo
 * does; NAME without a tag is NAME:latest. The file, malloc'd; *ref in buf or NULL. */
static char *docker_dest(const char *dest, char *buf, size_t cap, const char **ref, struct err *e)
{
	const char *colon = strchr(dest, ':');
	struct reference r;
	*ref = NULL;
	if (!colon)
		return strdup(dest);
	const char *name = colon + 1, *slash = strrchr(name, '/');
	if (reference_parse(name, &r, e) < 0 || r.digest[0])
		return err_set(e, EXIT_USAGE, "--docker-archive FILE[:NAME[:TAG]]: bad name '%s'", name), NULL;
	snprintf(buf, cap, "%s%s", name, strchr(slash ? slash : name, ':') ? "" : ":latest");
	*ref = buf;
	return strndup(dest, (size_t)(colon - dest));
}

static int save_archive(const struct payload *p, const struct save_opts *o, struct err *e)
{
	char buf[600];
	struct tar_job j = { p, o, NULL };
	char *file = o->format == SAVE_DOCKER_ARCHIVE ? docker_dest(o->dest, buf, sizeof buf, &j.ref, e)
						      : split_ref(o->dest, &j.ref);
	if (!file)
		return e->code ? -1 : err_set(e, EXIT_PACK, "out of memory");
	int rc = output_atomic_mode(file, file_mode(), tar_body, &j, e);
	free(file);
	return rc;
}

/* A new layout in a directory beside dir, renamed to dir (which may be
 * an empty directory) once whole. */
static int save_new_dir(const struct payload *p, const char *dir, const char *tag, enum layer_enc enc,
			struct err *e)
{
	char *tmp = malloc(strlen(dir) + 16);
	if (!tmp)
		return err_set(e, EXIT_PACK, "out of memory");
	sprintf(tmp, "%s.tmp-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		err_sys(e, EXIT_PACK, "cannot create a directory beside %s", dir);
		free(tmp);
		return -1;
	}
	struct dest d = { .dir = tmp, .fmode = file_mode() };
	int rc = chmod(tmp, 0777 & ~umask_now()) < 0 ? err_sys(e, EXIT_PACK, "chmod %s", tmp) :
		 put_oci(&d, p, tag, enc, e);
	if (rc == 0 && rename(tmp, dir) < 0)
		rc = err_sys(e, EXIT_PACK, "cannot write %s", dir);
	if (rc < 0)
		rmtree_at(AT_FDCWD, tmp);
	free(tmp);
	return rc;
}

/* 1: dir is an OCI layout; 0: missing or empty; -1 (e set): neither */
static int dir_state(const char *dir, struct err *e)
{
	struct stat st;
	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, EXIT_PACK, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, EXIT_PACK, "%s exists and is not a directory", dir);
	char *layout = path_join(dir, "oci-layout");
	int is_layout = layout && access(layout, F_OK) == 0;
	free(layout);
	if (is_layout)
		return 1;
	DIR *ds = opendir(dir);
	struct dirent *de;
	int empty = ds != NULL;
	while (ds && (de = readdir(ds)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	if (ds)
		closedir(ds);
	return empty ? 0 : err_set(e, EXIT_PACK, "%s is neither empty nor an OCI layout; give a new directory", dir);
}

static int save_dir(const struct payload *p, const struct save_opts *o, struct err *e)
{
	const char *tag;
	char *dir = split_ref(o->dest, &tag);
	if (!dir)
		return err_set(e, EXIT_PACK, "out of memory");
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = 0;   /* "DIR/" is DIR: its temporary sibling is DIR.tmp-* */
	int state = dir_state(dir, e), rc = -1;
	if (state == 0)
		rc = save_new_dir(p, dir, tag, o->enc, e);
	else if (state == 1) {
		struct dest d = { .dir = dir, .existing = 1, .fmode = file_mode() };
		rc = put_oci(&d, p, tag, o->enc, e);
	}
	free(dir);
	return rc;
}

int save_image(const char *file, const struct save_opts *o, struct err *e)
{
	struct payload p;
	if (export_open(file, &p, e) < 0)
		return -1;
	int rc = o->format == SAVE_OCI ? save_dir(&p, o, e) : save_archive(&p, o, e);
	payload_close(&p);
	return rc;
}
