/* oci:DIR[:TAG] and oci-archive:FILE[:TAG] (OCI image layout). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "sources.h"

#define JSON_MAX (8u << 20)
#define REF_NAME "org.opencontainers.image.ref.name"

static int is_index(const char *mt)
{
	return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		      strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

static int blob_path(const cJSON *desc, char *out, size_t n, struct err *e)
{
	const char *d = json_str(desc, "digest");
	if (!digest_valid(d))
		return err_set(e, EXIT_PACK, "descriptor has a missing or unsupported digest '%s' (sha256 only)", d ? d : "");
	snprintf(out, n, "blobs/sha256/%s", digest_hex(d));
	return 0;
}

static cJSON *load_blob_json(int dfd, const cJSON *desc, const char *what, struct err *e)
{
	char path[128];
	size_t len;
	if (blob_path(desc, path, sizeof path, e) < 0)
		return NULL;
	char *buf = read_verified(dfd, path, json_str(desc, "digest"), JSON_MAX, &len, e);
	if (!buf)
		return NULL;
	cJSON *j = json_parse_buf(buf, len, what, e);
	free(buf);
	return j;
}

/* The manifest named by `tag` (or the only one) in an index. */
static const cJSON *pick_by_tag(const cJSON *index, const char *tag, const char *dir, struct err *e)
{
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(index, "manifests"), *m;
	int n = cJSON_GetArraySize(ms);
	if (!cJSON_IsArray(ms) || n == 0) {
		err_set(e, EXIT_PACK, "%s: index.json lists no images", dir);
		return NULL;
	}
	if (!tag && n == 1)
		return cJSON_GetArrayItem(ms, 0);
	cJSON_ArrayForEach(m, ms) {
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(m, "annotations");
		const char *name = json_str(ann, REF_NAME);
		if (tag && name && strcmp(name, tag) == 0)
			return m;
	}
	if (tag)
		err_set(e, EXIT_PACK, "%s: no image tagged '%s' in index.json", dir, tag);
	else
		err_set(e, EXIT_PACK, "%s holds %d images; name one as oci:%s:TAG", dir, n, dir);
	return NULL;
}

/* In a multi-platform index, the entry for platform ("os/arch[/variant]";
 * NULL: linux/<our arch>, any variant). */
const cJSON *oci_pick_platform(const cJSON *index, const char *platform, struct err *e)
{
	char want[128];
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(index, "manifests"), *m;
	snprintf(want, sizeof want, "%s", platform ? platform : "");
	if (!platform)
		snprintf(want, sizeof want, "linux/%s", image_arch());
	char *arch = strchr(want, '/'), *variant = arch ? strchr(arch + 1, '/') : NULL;
	if (!arch)
		return err_set(e, EXIT_USAGE, "bad platform '%s' (want os/arch[/variant], e.g. linux/arm64)", want), NULL;
	*arch++ = 0;
	if (variant)
		*variant++ = 0;
	cJSON_ArrayForEach(m, ms) {
		const cJSON *pl = cJSON_GetObjectItemCaseSensitive(m, "platform");
		const char *os = json_str(pl, "os"), *a = json_str(pl, "architecture"), *v = json_str(pl, "variant");
		if (os && a && !strcmp(os, want) && !strcmp(a, arch) && (!variant || (v && !strcmp(v, variant))))
			return m;
	}
	char have[512] = "";
	cJSON_ArrayForEach(m, ms) {
		const cJSON *pl = cJSON_GetObjectItemCaseSensitive(m, "platform");
		const char *os = json_str(pl, "os"), *a = json_str(pl, "architecture"), *v = json_str(pl, "variant");
		size_t k = strlen(have);
		if (os && a && k + 64 < sizeof have)
			snprintf(have + k, sizeof have - k, "%s%s/%s%s%s", k ? ", " : "", os, a, v ? "/" : "", v ? v : "");
	}
	err_set(e, EXIT_PACK, "the image index has no %s/%s%s%s image (it has: %s)", want, arch,
		variant ? "/" : "", variant ? variant : "", have[0] ? have : "none");
	return NULL;
}

/* Follow index entries down to an image manifest (depth-limited). */
static cJSON *resolve_manifest(int dfd, const cJSON *desc, const char *platform, struct err *e)
{
	cJSON *j = NULL;
	for (int depth = 0; depth < 4; depth++) {
		cJSON_Delete(j);
		if (!(j = load_blob_json(dfd, desc, "manifest", e)))
			return NULL;
		const char *mt = json_str(j, "mediaType");
		if (!is_index(mt) && !cJSON_GetObjectItemCaseSensitive(j, "manifests"))
			return j;
		if (!(desc = oci_pick_platform(j, platform, e)))
			break;
	}
	cJSON_Delete(j);
	return err_set(e, EXIT_PACK, "image indexes nest too deeply"), NULL;
}

static int add_layers(int dfd, const char *dir, const cJSON *manifest, struct image *img,
		      struct err *e)
{
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(manifest, "layers"), *l;
	const cJSON *rootfs = cJSON_GetObjectItemCaseSensitive(img->config, "rootfs");
	const char **diffs = json_strv(rootfs, "diff_ids");
	int n = 0;
	if (!cJSON_IsArray(layers) || !diffs) {
		free(diffs);
		return err_set(e, EXIT_PACK, "%s: manifest or config lacks its layer list", dir);
	}
	cJSON_ArrayForEach(l, layers) {
		char rel[128];
		if (!diffs[n] || blob_path(l, rel, sizeof rel, e) < 0) {
			free(diffs);
			return e->code ? -1 : err_set(e, EXIT_PACK, "%s: config lists fewer diff_ids than the manifest has layers", dir);
		}
		char *path = path_join(dir, rel);
		struct image_layer *il = path ? image_add_layer(img, path) : NULL;
		free(path);
		if (!il) {
			free(diffs);
			return err_set(e, EXIT_PACK, "out of memory");
		}
		snprintf(il->digest, sizeof il->digest, "%s", json_str(l, "digest"));
		if (digest_valid(diffs[n]))
			snprintf(il->diff_id, sizeof il->diff_id, "%s", diffs[n]);
		n++;
	}
	int extra = diffs[n] != NULL;
	free(diffs);
	return extra ? err_set(e, EXIT_PACK, "%s: config lists more diff_ids than the manifest has layers", dir) : 0;
}

int oci_image_from_manifest(int dfd, const char *dir, const cJSON *manifest, struct image *img,
			    struct err *e)
{
	const cJSON *cdesc = cJSON_GetObjectItemCaseSensitive(manifest, "config");
	if (!cdesc)
		return err_set(e, EXIT_PACK, "%s: manifest has no config", dir);
	if (!(img->config = load_blob_json(dfd, cdesc, "image config", e)))
		return -1;
	return add_layers(dfd, dir, manifest, img, e);
}

int load_oci_dir(const char *dir, const char *tag, struct image *img, struct err *e)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, EXIT_PACK, "cannot open OCI layout %s", dir);
	cJSON *index = NULL, *manifest = NULL;
	int rc = -1;
	if (faccessat(dfd, "oci-layout", F_OK, 0) < 0) {
		err_set(e, EXIT_PACK, "%s is not an OCI image layout (no oci-layout file)", dir);
		goto out;
	}
	char *buf = read_verified(dfd, "index.json", NULL, JSON_MAX, NULL, e);
	index = buf ? json_parse_buf(buf, strlen(buf), "index.json", e) : NULL;
	free(buf);
	const cJSON *desc = index ? pick_by_tag(index, tag, dir, e) : NULL;
	if (desc && is_index(json_str(desc, "mediaType"))) {
		cJSON *sub = load_blob_json(dfd, desc, "image index", e);
		desc = sub ? oci_pick_platform(sub, img->platform, e) : NULL;
		manifest = desc ? resolve_manifest(dfd, desc, img->platform, e) : NULL;
		cJSON_Delete(sub);
	} else if (desc)
		manifest = resolve_manifest(dfd, desc, img->platform, e);
	if (manifest)
		rc = oci_image_from_manifest(dfd, dir, manifest, img, e);
out:
	cJSON_Delete(index);
	cJSON_Delete(manifest);
	close(dfd);
	return rc;
}

int load_oci(const char *arg, const struct pack_config *pc, struct image *img, struct err *e)
{
	const char *tag;
	char *dir = split_ref(arg, &tag);
	(void)pc;
	if (!dir)
		return err_set(e, EXIT_PACK, "out of memory");
	int rc = load_oci_dir(dir, tag, img, e);
	free(dir);
	return rc;
}

int load_oci_archive(const char *arg, const struct pack_config *pc, struct image *img, struct err *e)
{
	const char *tag;
	char *file = split_ref(arg, &tag);
	(void)pc;
	if (!file)
		return err_set(e, EXIT_PACK, "out of memory");
	int rc = untar_to_tmpdir(file, img, e);
	if (rc == 0 && (rc = load_oci_dir(img->tmpdir, tag, img, e)) < 0)
		err_ctx(e, "%s", file);
	free(file);
	return rc;
}
