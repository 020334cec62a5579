#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/xio.h"

static int sub_dir(int top, const char *name, const char *root, struct err *e)
{
	struct stat st;
	int fd = private_dir_open(top, name, &st);
	if (fd < 0)
		err_sys(e, EXIT_PACK, "cannot open the build cache %s/%s", root, name);
	return fd;
}

int store_open(struct store *s, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->blobs = s->steps = s->tmp = -1;
	char *top = cache_root_path();
	if (!top)
		return err_set(e, EXIT_PACK, "no cache directory: set BOXCAR_CACHE or HOME");
	int rc = mkdir_p(top, 0700);
	s->root = path_join(top, "build");
	int tfd = rc < 0 ? -1 : open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(top);
	if (!s->root)
		return err_set(e, EXIT_PACK, "out of memory");
	if (tfd < 0)
		return err_sys(e, EXIT_PACK, "cannot open the cache above %s", s->root);
	struct stat st;
	int bfd = private_dir_open(tfd, "build", &st);
	close(tfd);
	if (bfd < 0)
		return err_sys(e, EXIT_PACK, "cannot open the build cache %s (it must be yours, "
			       "not writable by others)", s->root);
	s->blobs = sub_dir(bfd, "blobs", s->root, e);
	s->steps = s->blobs < 0 ? -1 : sub_dir(bfd, "steps", s->root, e);
	s->tmp = s->steps < 0 ? -1 : sub_dir(bfd, "tmp", s->root, e);
	close(bfd);
	return s->tmp < 0 ? -1 : 0;
}

void store_close(struct store *s)
{
	if (s->blobs >= 0) close(s->blobs);
	if (s->steps >= 0) close(s->steps);
	if (s->tmp >= 0) close(s->tmp);
	free(s->root);
	memset(s, 0, sizeof *s);
	s->blobs = s->steps = s->tmp = -1;
}

char *store_blob_path(const struct store *s, const char *diff_id)
{
	char *p = NULL;
	if (asprintf(&p, "%s/blobs/%s", s->root, digest_hex(diff_id)) < 0)
		return NULL;
	return p;
}

/* A small file written whole into dirfd: beside, then renamed. */
static int put_file(int dirfd, const char *name, const char *text, struct err *e)
{
	char tmp[128];
	snprintf(tmp, sizeof tmp, ".%s.%d", name, (int)getpid());
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, EXIT_PACK, "build cache: write %s", name);
	int rc = write_full(fd, text, strlen(text));
	if (close(fd) < 0 || rc < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		err_sys(e, EXIT_PACK, "build cache: write %s", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

static cJSON *layer_json(const struct payload_layer *l)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "diff_id", l->diff_id);
	cJSON_AddStringToObject(o, "digest", l->digest);
	cJSON_AddNumberToObject(o, "size", (double)l->size);
	cJSON_AddNumberToObject(o, "usize", (double)l->usize);
	return o;
}

static int layer_from_json(const cJSON *o, struct payload_layer *l)
{
	const char *d = json_str(o, "diff_id"), *b = json_str(o, "digest");
	memset(l, 0, sizeof *l);
	if (!d || !b || !digest_valid(d) || !digest_valid(b) || json_u64(o, "size", &l->size) < 0 ||
	    json_u64(o, "usize", &l->usize) < 0)
		return -1;
	snprintf(l->diff_id, sizeof l->diff_id, "%s", d);
	snprintf(l->digest, sizeof l->digest, "%s", b);
	return 0;
}

int store_has_blob(const struct store *s, const char *diff_id, struct payload_layer *pl)
{
	char meta[DIGEST_HEX + 8];
	struct stat st;
	struct err e = { 0 };
	snprintf(meta, sizeof meta, "%s.json", digest_hex(diff_id));
	cJSON *j = json_load_at(s->blobs, meta, 4096, "blob record", &e);
	int ok = j && layer_from_json(j, pl) == 0 && !strcmp(pl->diff_id, diff_id) &&
		 fstatat(s->blobs, digest_hex(diff_id), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		 S_ISREG(st.st_mode) && (uint64_t)st.st_size == pl->size;
	cJSON_Delete(j);
	if (ok)   /* last use, for `boxcar cache prune` */
		utimensat(s->blobs, digest_hex(diff_id), NULL, AT_SYMLINK_NOFOLLOW);
	return ok;
}

int store_add_layer(struct store *s, const struct image_layer *l, const struct writer_opts *wo,
		    struct payload_layer *pl, struct err *e)
{
	char tmp[64];
	if (l->diff_id[0] && store_has_blob(s, l->diff_id, pl))
		return 0;
	snprintf(tmp, sizeof tmp, ".blob.%d", (int)getpid());
	int fd = openat(s->blobs, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, EXIT_PACK, "build cache: write a layer");
	memset(pl, 0, sizeof *pl);
	int rc = writer_layer(fd, l, wo, "storing a layer", pl, e);
	if (close(fd) < 0 && rc == 0)
		rc = err_sys(e, EXIT_PACK, "build cache: write a layer");
	cJSON *j = rc == 0 ? layer_json(pl) : NULL;
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	char meta[DIGEST_HEX + 8];
	snprintf(meta, sizeof meta, "%s.json", digest_hex(pl->diff_id));
	if (rc == 0 && !text)
		rc = err_set(e, EXIT_PACK, "out of memory");
	if (rc == 0 && renameat(s->blobs, tmp, s->blobs, digest_hex(pl->diff_id)) < 0)
		rc = err_sys(e, EXIT_PACK, "build cache: store a layer");
	if (rc == 0)
		rc = put_file(s->blobs, meta, text, e);
	if (rc < 0)
		unlinkat(s->blobs, tmp, 0);
	cJSON_Delete(j);
	free(text);
	return rc;
}

char *store_scratch(struct store *s, struct err *e)
{
	char *p = NULL;
	for (int i = 0; i < 100; i++) {
		char name[64];
		snprintf(name, sizeof name, "%d.%d", (int)getpid(), i);
		if (mkdirat(s->tmp, name, 0700) == 0) {
			if (asprintf(&p, "%s/tmp/%s", s->root, name) < 0)
				break;
			return p;
		}
		if (errno != EEXIST)
			break;
	}
	err_sys(e, EXIT_PACK, "build cache: cannot make a scratch directory in %s/tmp", s->root);
	return NULL;
}

int store_get_step(const struct store *s, const char *key, struct bimage *out)
{
	struct err e = { 0 };
	const cJSON *l;
	memset(out, 0, sizeof *out);
	cJSON *j = json_load_at(s->steps, digest_hex(key), 64u << 20, "step record", &e);
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(j, "config");
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(j, "layers");
	int ok = cJSON_IsObject(cfg) && cJSON_IsArray(layers);
	const cJSON *from = ok ? layers : NULL;
	cJSON_ArrayForEach(l, from) {
		struct payload_layer pl;
		ok = layer_from_json(l, &pl) == 0 && store_has_blob(s, pl.diff_id, &pl) &&
		     bimage_add_layer(out, &pl) == 0;
		if (!ok)
			break;
	}
	if (ok)
		ok = (out->config = cJSON_Duplicate(cfg, 1)) != NULL;
	if (ok)
		utimensat(s->steps, digest_hex(key), NULL, AT_SYMLINK_NOFOLLOW);
	cJSON_Delete(j);
	if (!ok)
		bimage_free(out);
	return ok;
}

int store_put_step(const struct store *s, const char *key, const struct bimage *img, struct err *e)
{
	cJSON *j = cJSON_CreateObject(), *layers = cJSON_CreateArray();
	int ok = j && layers;
	if (ok)
		cJSON_AddItemToObject(j, "layers", layers), layers = NULL;
	cJSON *ls = cJSON_GetObjectItemCaseSensitive(j, "layers");
	for (int i = 0; ok && i < img->nlayers; i++) {
		cJSON *o = layer_json(&img->layers[i]);
		ok = o && cJSON_AddItemToArray(ls, o);
	}
	if (ok)
		ok = cJSON_AddItemReferenceToObject(j, "config", img->config);
	char *text = ok ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	cJSON_Delete(layers);
	if (!text)
		return err_set(e, EXIT_PACK, "out of memory");
	int rc = put_file(s->steps, digest_hex(key), text, e);
	free(text);
	return rc;
}

int bimage_add_layer(struct bimage *img, const struct payload_layer *pl)
{
	struct payload_layer *n = realloc(img->layers, ((size_t)img->nlayers + 1) * sizeof *n);
	if (!n)
		return -1;
	img->layers = n;
	n[img->nlayers++] = *pl;
	return 0;
}

int bimage_copy(struct bimage *dst, const struct bimage *src)
{
	memset(dst, 0, sizeof *dst);
	for (int i = 0; i < src->nlayers; i++)
		if (bimage_add_layer(dst, &src->layers[i]) < 0)
			return bimage_free(dst), -1;
	if (src->config && !(dst->config = cJSON_Duplicate(src->config, 1)))
		return bimage_free(dst), -1;
	return 0;
}

void bimage_free(struct bimage *img)
{
	cJSON_Delete(img->config);
	free(img->layers);
	memset(img, 0, sizeof *img);
}
