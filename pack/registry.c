/* docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]: the OCI distribution API v2.
 * Manifests (OCI, Docker schema 2) and indexes (OCI, Docker manifest
 * lists) are read into memory and checked against their digest when one
 * is known; the config and layers go to a blob cache, ROOT/registry/
 * blobs/sha256/HEX (ROOT as for layers, stub/cache.h), laid out as in an
 * OCI layout so the oci: source's code turns them into the image. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/log.h"
#include "regclient.h"
#include "sources.h"

#define MANIFEST_MAX (4u << 20)
#define PARALLEL 4

static const char accept_all[] =
	"application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
	"application/vnd.docker.distribution.manifest.v2+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json";

static int is_index(const char *mt)
{
	return mt && (strstr(mt, "application/vnd.oci.image.index.v1+json") ||
		      strstr(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

/* The manifest (or index) named ref ("TAG" or a digest), checked against
 * digest when given. */
static cJSON *get_manifest(struct regclient *pl, const char *ref, const char *digest, char *mt, size_t mtcap,
			   struct err *e)
{
	char path[1024], why[512];
	struct http_resp r = { 0 };
	struct http_req q = { .method = "GET", .url = path, .accept = accept_all, .max = MANIFEST_MAX };
	snprintf(path, sizeof path, "/v2/%s/manifests/%s", pl->ref.name, ref);
	if (regclient_request(pl, &q, &r, e) < 0) {
		http_resp_free(&r);
		return NULL;
	}
	cJSON *j = NULL;
	if (r.status != 200) {
		regclient_error(&r, why, sizeof why);
		if (r.status == 404)
			err_set(e, EXIT_PACK, "%s: no such image or tag (%s)", pl->shown, why);
		else
			err_set(e, EXIT_PACK, "%s: the registry answered %s", pl->shown, why);
	} else if (digest) {
		struct digest d;
		char got[DIGEST_STR];
		digest_init(&d);
		digest_update(&d, r.body, r.len);
		digest_final(&d, got);
		if (strcmp(got, digest) != 0)
			err_set(e, EXIT_PACK, "%s: manifest %s does not match its digest (got %s)", pl->shown, digest, got);
	}
	if (!e->code && !(j = json_parse_buf(r.body, r.len, "manifest", e)))
		err_ctx(e, "%s", pl->shown);
	if (j) {
		const char *m = json_str(j, "mediaType");
		snprintf(mt, mtcap, "%s", m ? m : r.ctype);
		uint64_t v = 0;
		json_u64(j, "schemaVersion", &v);
		if (v == 1 || strstr(mt, "distribution.manifest.v1")) {
			err_set(e, EXIT_PACK, "%s: schema 1 manifests are not supported (push it again with a current tool)", pl->shown);
			cJSON_Delete(j), j = NULL;
		}
	}
	http_resp_free(&r);
	return j;
}

/* Down to an image manifest: an index picks the platform. */
static cJSON *resolve(struct regclient *pl, struct err *e)
{
	char mt[128];
	const char *ref = pl->ref.digest[0] ? pl->ref.digest : pl->ref.tag;
	cJSON *j = get_manifest(pl, ref, pl->ref.digest[0] ? pl->ref.digest : NULL, mt, sizeof mt, e);
	for (int depth = 0; j && depth < 3; depth++) {
		if (!is_index(mt) && !cJSON_GetObjectItemCaseSensitive(j, "manifests"))
			return j;
		const cJSON *m = oci_pick_platform(j, pl->o->platform, e);
		char digest[DIGEST_STR];
		const char *d = m ? json_str(m, "digest") : NULL;
		if (m && !digest_valid(d))
			err_set(e, EXIT_PACK, "%s: the index has a bad digest", pl->shown);
		snprintf(digest, sizeof digest, "%s", d && digest_valid(d) ? d : "");
		cJSON_Delete(j);
		j = digest[0] ? get_manifest(pl, digest, digest, mt, sizeof mt, e) : NULL;
	}
	if (j)
		err_set(e, EXIT_PACK, "%s: image indexes nest too deeply", pl->shown);
	cJSON_Delete(j);
	return NULL;
}

char *registry_cache_dir(struct err *e)
{
	char *root = cache_root_path(), *dir = root ? path_join(root, "registry") : NULL;
	const char *parts[] = { root, dir };
	for (size_t i = 0; dir && i < 2; i++) {
		struct stat st;
		int fd = private_dir_open(AT_FDCWD, parts[i], &st);
		if (fd < 0) {
			err_set(e, EXIT_PACK, "cannot use the cache directory %s (%s); set BOXCAR_CACHE", parts[i],
				errno == EPERM ? "not private" : strerror(errno));
			free(root), free(dir);
			return NULL;
		}
		close(fd);
	}
	free(root);
	if (!dir)
		err_set(e, EXIT_PACK, "no cache directory: set BOXCAR_CACHE or HOME");
	char *blobs = dir ? path_join(dir, "blobs/sha256") : NULL;
	if (dir && (!blobs || mkdir_p(blobs, 0700) < 0)) {
		err_sys(e, EXIT_PACK, "cannot create %s/blobs/sha256", dir);
		free(dir), dir = NULL;
	}
	free(blobs);
	return dir;
}

/* The config and every layer into the blob cache. */
static int fetch(struct regclient *pl, const cJSON *manifest, const char *dir, struct err *e)
{
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(manifest, "layers"), *l;
	int n = cJSON_GetArraySize(layers) + 1, k = 0;
	struct http_blob *b = calloc((size_t)n, sizeof *b);
	if (!b)
		return err_set(e, EXIT_PACK, "out of memory");
	for (int i = -1; i < n - 1; i++) {
		l = i < 0 ? cJSON_GetObjectItemCaseSensitive(manifest, "config") : cJSON_GetArrayItem(layers, i);
		const char *d = json_str(l, "digest"), *mt = json_str(l, "mediaType");
		uint64_t size = 0;
		if (!digest_valid(d) || json_u64(l, "size", &size) < 0) {
			free(b);
			return err_set(e, EXIT_PACK, "%s: the manifest has a bad %s descriptor", pl->shown, i < 0 ? "config" : "layer");
		}
		if (mt && strstr(mt, "nondistributable") ) {
			free(b);
			return err_set(e, EXIT_PACK, "%s: foreign (non-distributable) layers are not supported", pl->shown);
		}
		snprintf(b[k].url, sizeof b[k].url, "%s/v2/%s/blobs/%s", pl->base, pl->ref.name, d);
		snprintf(b[k].path, sizeof b[k].path, "%s/blobs/sha256/%s", dir, digest_hex(d));
		snprintf(b[k].digest, sizeof b[k].digest, "%s", d);
		b[k++].size = size;
	}
	int rc = http_fetch_blobs(&pl->h, b, k, PARALLEL, e);
	free(b);
	return rc;
}

int load_registry(const char *arg, const struct pack_config *pc, struct image *img, struct err *e)
{
	struct regclient *pl = calloc(1, sizeof *pl);
	cJSON *manifest = NULL;
	char *dir = NULL;
	int rc = -1;
	if (!pl)
		return err_set(e, EXIT_PACK, "out of memory");
	if (strncmp(arg, "//", 2) != 0) {
		err_set(e, EXIT_USAGE, "a registry source is docker://[HOST/]NAME[:TAG], not 'docker:%s'", arg);
		goto out;
	}
	log_debug("pulling %s", arg + 2);
	if (regclient_open(pl, arg + 2, &pc->pull, e) < 0 || !(manifest = resolve(pl, e)) ||
	    !(dir = registry_cache_dir(e)) || fetch(pl, manifest, dir, e) < 0)
		goto out;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err_sys(e, EXIT_PACK, "open %s", dir);
		goto out;
	}
	rc = oci_image_from_manifest(dfd, dir, manifest, img, e);
	close(dfd);
out:
	cJSON_Delete(manifest);
	free(dir);
	regclient_close(pl);
	free(pl);
	return rc;
}
