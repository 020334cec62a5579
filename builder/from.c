/* FROM: scratch, an earlier stage, a packed file, any source `boxcar pack`
 * takes, or a bare name (docker://, or what --from-map points it at). The
 * image's layers are brought into the build cache once. */
#include "builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/log.h"
#include "../pack/reference.h"
#include "../stub/launch.h"

static int scratch(struct builder *b, struct bimage *out, char key[DIGEST_STR], struct err *e)
{
	memset(out, 0, sizeof *out);
	cJSON *c = cJSON_CreateObject(), *cfg = cJSON_AddObjectToObject(c, "config");
	cJSON *env = cfg ? cJSON_AddArrayToObject(cfg, "Env") : NULL;
	if (!env)
		return cJSON_Delete(c), err_set(e, EXIT_PACK, "out of memory");
	cJSON_AddItemToArray(env, cJSON_CreateString("PATH=" DEFAULT_PATH));
	cJSON_AddStringToObject(c, "architecture", b_arch(b));
	cJSON_AddStringToObject(c, "os", "linux");
	out->config = c;
	b_set_diff_ids(out);
	b_key("scratch", b_arch(b), strlen(b_arch(b)), key);
	return 0;
}

/* Docker's normal form of a bare name ("alpine" = docker.io/library/alpine:latest). */
static int normal_name(const char *ref, char *out, size_t cap)
{
	struct reference r;
	struct err e = { 0 };
	if (reference_parse(ref, &r, &e) < 0)
		return -1;
	reference_format(&r, out, cap);
	return 0;
}

/* What --from-map maps ref to, or NULL. */
static const char *mapped(struct builder *b, const char *ref)
{
	char want[800], have[800], name[512];
	if (normal_name(ref, want, sizeof want) < 0)
		return NULL;
	for (int i = 0; i < b->o->nfrom_map; i++) {
		const char *m = b->o->from_map[i], *eq = strchr(m, '=');
		if (!eq || (size_t)(eq - m) >= sizeof name)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(eq - m), m);
		if (normal_name(name, have, sizeof have) == 0 && !strcmp(want, have))
			return eq + 1;
	}
	return NULL;
}

static int is_path(const char *s)
{
	return s[0] == '/' || !strncmp(s, "./", 2) || !strncmp(s, "../", 3);
}

/* A packed file's layers, copied as they are. */
static int load_packed(const char *path, struct image *img, struct err *e)
{
	struct payload p;
	memset(img, 0, sizeof *img);
	if (payload_open(path, NULL, &p, e) < 0)
		return -1;
	int rc = (img->config = cJSON_Duplicate(p.config, 1)) ? 0 : err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; rc == 0 && i < p.nlayers; i++) {
		struct image_layer *l = image_add_layer(img, path);
		if (!l) {
			rc = err_set(e, EXIT_PACK, "out of memory");
			break;
		}
		l->verbatim = 1, l->offset = p.layers[i].offset, l->size = p.layers[i].size, l->usize = p.layers[i].usize;
		memcpy(l->digest, p.layers[i].digest, sizeof l->digest);
		memcpy(l->diff_id, p.layers[i].diff_id, sizeof l->diff_id);
	}
	payload_close(&p);
	return rc;
}

static int load_any(struct builder *b, const char *src, struct image *img, struct err *e)
{
	static const char *const transports[] = { "oci:", "oci-archive:", "docker-archive:", "docker://", NULL };
	struct pack_config pc = { .pull = b->o->pull };
	char *s = NULL;
	for (int i = 0; transports[i]; i++)
		if (!strncmp(src, transports[i], strlen(transports[i])))
			return source_load(src, &pc, img, e);
	if (is_path(src)) {   /* (its config says the arch its layers are for) */
		if (load_packed(src, img, e) < 0)
			return -1;
		img->platform = b->o->pull.platform;
		return image_check_platform(img, e);
	}
	if (asprintf(&s, "docker://%s", src) < 0)
		return err_set(e, EXIT_PACK, "out of memory");
	int rc = source_load(s, &pc, img, e);
	free(s);
	return rc;
}

/* The layers' diff_ids as the config lists them (known before reading). */
static void known_diff_ids(struct image *img)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(img->config, "rootfs"), "diff_ids");
	if (cJSON_GetArraySize(ids) != img->nlayers)
		return;
	for (int i = 0; i < img->nlayers; i++) {
		const cJSON *d = cJSON_GetArrayItem(ids, i);
		if (!img->layers[i].diff_id[0] && cJSON_IsString(d) && digest_valid(d->valuestring))
			snprintf(img->layers[i].diff_id, sizeof img->layers[i].diff_id, "%s", d->valuestring);
	}
}

/* A registry's image, as an earlier build pulled it (docker build's local
 * copy; --pull asks the registry again): the key of its record, or "" for
 * a local source, which is read again each time. */
static int is_local(const char *src)
{
	return is_path(src) || !strncmp(src, "oci:", 4) || !strncmp(src, "oci-archive:", 12) ||
	       !strncmp(src, "docker-archive:", 15);
}

/* (the platform's: one record for each arch an index resolves to) */
static void pulled_key(struct builder *b, const char *src, char key[DIGEST_STR])
{
	char text[1200];
	key[0] = 0;
	if (strcmp(b_arch(b), image_arch()))
		snprintf(text, sizeof text, "%s\n%s", src, b_arch(b));
	else
		snprintf(text, sizeof text, "%s", src);   /* (the host's: the key earlier builds made) */
	if (!is_local(src))
		b_key("FROM-PULLED", text, strlen(text), key);
}

static int key_of(struct bimage *out, char key[DIGEST_STR], struct err *e)
{
	char *text = cJSON_PrintUnformatted(out->config);
	if (!text)
		return bimage_free(out), err_set(e, EXIT_PACK, "out of memory");
	b_key("FROM", text, strlen(text), key);
	free(text);
	return 0;
}

int from_source(struct builder *b, const char *ref, struct bimage *out, char key[DIGEST_STR],
		struct err *e)
{
	struct image img;
	const char *src = mapped(b, ref);
	char pulled[DIGEST_STR];
	memset(out, 0, sizeof *out);
	pulled_key(b, src ? src : ref, pulled);
	if (*pulled && !b->o->pull_always && store_get_step(&b->s, pulled, out))
		return key_of(out, key, e);
	if (load_any(b, src ? src : ref, &img, e) < 0)
		return b_wrap(b, e, "FROM");
	known_diff_ids(&img);
	int rc = 0;
	for (int i = 0; rc == 0 && i < img.nlayers; i++) {
		struct payload_layer pl;
		rc = store_add_layer(&b->s, &img.layers[i], &b->o->wo, &pl, e);
		if (rc == 0 && bimage_add_layer(out, &pl) < 0)
			rc = err_set(e, EXIT_PACK, "out of memory");
	}
	if (rc == 0 && !(out->config = cJSON_Duplicate(img.config, 1)))
		rc = err_set(e, EXIT_PACK, "out of memory");
	image_free(&img);
	if (rc < 0)
		return bimage_free(out), -1;
	b_set_diff_ids(out);
	if (*pulled && store_put_step(&b->s, pulled, out, e) < 0)
		return bimage_free(out), -1;
	return key_of(out, key, e);
}

int from_image(struct builder *b, const char *ref, struct bimage *out, char key[DIGEST_STR],
	       struct err *e)
{
	if (!strcmp(ref, "scratch"))
		return scratch(b, out, key, e);
	struct stage *st = b_stage(b, ref);
	if (st && st < b->cur) {
		if (bimage_copy(out, &st->img) < 0)
			return err_set(e, EXIT_PACK, "out of memory");
		memcpy(key, st->key, DIGEST_STR);
		return 0;
	}
	return from_source(b, ref, out, key, e);
}
