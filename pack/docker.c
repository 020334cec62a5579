/* docker-archive:FILE[:NAME:TAG] — `docker save` output, and skopeo's
 * variant whose <id>/layer.tar entries are symlinks to the blobs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "sources.h"

#define JSON_MAX (8u << 20)

/* "docker.io/library/busybox:latest" also answers to "busybox:latest". */
static int tag_matches(const char *have, const char *want)
{
	static const char *const prefixes[] = { "", "docker.io/", "docker.io/library/", "localhost/" };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(have, prefixes[i], n) == 0 && strcmp(have + n, want) == 0)
			return 1;
	}
	return 0;
}

static const cJSON *pick_entry(const cJSON *manifest, const char *ref, const char *file,
			       struct err *e)
{
	int n = cJSON_GetArraySize(manifest);
	const cJSON *m;
	if (!cJSON_IsArray(manifest) || n == 0) {
		err_set(e, EXIT_PACK, "%s: manifest.json lists no images", file);
		return NULL;
	}
	if (!ref && n == 1)
		return cJSON_GetArrayItem(manifest, 0);
	cJSON_ArrayForEach(m, manifest) {
		const char **tags = json_strv(m, "RepoTags");
		int hit = 0;
		for (int i = 0; ref && tags && tags[i] && !hit; i++)
			hit = tag_matches(tags[i], ref);
		free(tags);
		if (hit)
			return m;
	}
	if (ref)
		err_set(e, EXIT_PACK, "%s: no image tagged '%s' in the archive", file, ref);
	else
		err_set(e, EXIT_PACK, "%s holds %d images; name one as docker-archive:%s:NAME:TAG", file, n, file);
	return NULL;
}

/* Config file name "<hex>.json" or "blobs/sha256/<hex>": its digest. */
static const char *config_digest(const char *name, char *buf)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	snprintf(buf, DIGEST_STR, "sha256:%.64s", base);
	return digest_valid(buf) && strlen(base) >= DIGEST_HEX ? buf : NULL;
}

static int load_entry(int dfd, const cJSON *m, struct image *img, struct err *e)
{
	const char *cfgname = json_str(m, "Config");
	const char **layers = json_strv(m, "Layers");
	char dig[DIGEST_STR];
	size_t len;
	int rc = -1;
	if (!cfgname || !layers) {
		err_set(e, EXIT_PACK, "manifest.json entry lacks Config or Layers");
		goto out;
	}
	char *buf = read_verified(dfd, cfgname, config_digest(cfgname, dig), JSON_MAX, &len, e);
	img->config = buf ? json_parse_buf(buf, len, "image config", e) : NULL;
	free(buf);
	if (!img->config)
		goto out;
	const char **diffs = json_strv(cJSON_GetObjectItemCaseSensitive(img->config, "rootfs"), "diff_ids");
	int i = 0;
	for (; diffs && layers[i] && diffs[i]; i++) {
		/* resolve the (possibly symlinked) name inside the archive */
		int fd = open_in_root(dfd, layers[i], O_RDONLY);
		if (fd < 0) {
			err_sys(e, EXIT_PACK, "layer %s", layers[i]);
			break;
		}
		char proc[64], *path;
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		path = realpath(proc, NULL);
		close(fd);
		struct image_layer *l = path ? image_add_layer(img, path) : NULL;
		free(path);
		if (!l) {
			err_sys(e, EXIT_PACK, "layer %s", layers[i]);
			break;
		}
		if (digest_valid(diffs[i]))
			snprintf(l->diff_id, sizeof l->diff_id, "%s", diffs[i]);
	}
	if (!e->code && (!diffs || layers[i] || diffs[i]))
		err_set(e, EXIT_PACK, "the config's diff_ids do not match the archive's layer list");
	rc = e->code ? -1 : 0;
	free(diffs);
out:
	free(layers);
	return rc;
}

int load_docker_dir(const char *dir, const char *ref, const char *file, struct image *img,
		    struct err *e)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, EXIT_PACK, "open %s", dir);
	char *buf = read_verified(dfd, "manifest.json", NULL, JSON_MAX, NULL, e);
	cJSON *manifest = buf ? json_parse_buf(buf, strlen(buf), "manifest.json", e) : NULL;
	free(buf);
	const cJSON *m = manifest ? pick_entry(manifest, ref, file, e) : NULL;
	int rc = m ? load_entry(dfd, m, img, e) : -1;
	if (rc < 0 && !manifest)
		err_ctx(e, "%s is not a docker-archive", file);
	cJSON_Delete(manifest);
	close(dfd);
	return rc;
}

int load_docker_archive(const char *arg, const struct pack_config *pc, struct image *img,
			struct err *e)
{
	/* FILE[:NAME[:TAG]]: the file is the shortest prefix that exists */
	char *file = strdup(arg), refbuf[512];
	const char *ref = NULL;
	(void)pc;
	if (!file)
		return err_set(e, EXIT_PACK, "out of memory");
	for (char *c = strchr(file, ':'); c && access(file, F_OK) < 0; c = strchr(c + 1, ':')) {
		*c = 0;
		if (access(file, F_OK) == 0) {
			ref = arg + (c - file) + 1;
			break;
		}
		*c = ':';
	}
	if (ref && !strchr(ref, ':')) {
		snprintf(refbuf, sizeof refbuf, "%s:latest", ref);
		ref = refbuf;
	}
	int rc = untar_to_tmpdir(file, img, e);
	if (rc == 0)
		rc = load_docker_dir(img->tmpdir, ref, file, img, e);
	free(file);
	return rc;
}
