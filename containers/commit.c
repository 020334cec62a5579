/* boxcar commit: a named container's image plus its writable layer, as a
 * new packed file. The image's layers are copied as they are (same
 * digests); the changes become one more layer, deletions as whiteouts
 * (".wh.NAME") and directories that hide the layers below as opaque
 * (".wh..wh..opq"), the OCI layer format. */
#include "commit.h"

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
#include "layertar.h"
#include "../stub/state.h"

static int in_volume(const char *path, void *arg)
{
	return changes_in_volume(arg, path);
}

/* The changes as a tar in img's scratch dir; *entries: how many. */
static int changes_tar(const struct kept *k, const char *file, int *entries, struct err *e)
{
	return layertar_changes(k->upper, file, k->owners, -1, in_volume, (void *)k, entries, e);
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
