#include "image.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "../common/arch.h"
#include "../common/fsutil.h"
#include "../common/json.h"

void image_free(struct image *img)
{
	cJSON_Delete(img->config);
	cJSON_Delete(img->trust);
	for (int i = 0; i < img->nlayers; i++)
		free(img->layers[i].path);
	free(img->layers);
	if (img->tmpdir)
		rmtree_at(AT_FDCWD, img->tmpdir);
	free(img->tmpdir);
	memset(img, 0, sizeof *img);
}

struct image_layer *image_add_layer(struct image *img, const char *path)
{
	struct image_layer *nl = realloc(img->layers, ((size_t)img->nlayers + 1) * sizeof *nl);
	if (!nl)
		return NULL;
	img->layers = nl;
	struct image_layer *l = &nl[img->nlayers];
	memset(l, 0, sizeof *l);
	if (!(l->path = strdup(path)))
		return NULL;
	img->nlayers++;
	return l;
}

int image_tmpdir(struct image *img, struct err *e)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = path_join(t && *t ? t : "/tmp", "boxcar-pack.XXXXXX");
	if (!tmpl)
		return err_set(e, EXIT_PACK, "out of memory");
	if (!mkdtemp(tmpl)) {
		err_sys(e, EXIT_PACK, "cannot create a scratch directory %s", tmpl);
		free(tmpl);
		return -1;
	}
	img->tmpdir = tmpl;
	return 0;
}

/* "[...]" is a JSON array; anything else is split on whitespace. */
static cJSON *word_list(const char *s, const char *what, struct err *e)
{
	if (s[0] == '[') {
		cJSON *j = cJSON_Parse(s);
		const cJSON *it;
		int ok = cJSON_IsArray(j);
		cJSON_ArrayForEach(it, j) ok = ok && cJSON_IsString(it);
		if (!ok) {
			cJSON_Delete(j);
			err_set(e, EXIT_USAGE, "%s must be a JSON array of strings or words: %s", what, s);
			return NULL;
		}
		return j;
	}
	cJSON *arr = cJSON_CreateArray();
	char *copy = strdup(s), *save = NULL;
	for (char *w = copy ? strtok_r(copy, " \t\n", &save) : NULL; w; w = strtok_r(NULL, " \t\n", &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(w));
	free(copy);
	return arr;
}

/* NAME=... replaces NAME's entry, else is appended */
static void env_set(cJSON *env, const char *kv)
{
	size_t n = strcspn(kv, "=");
	cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, env) {
		if (cJSON_IsString(it) && !strncmp(it->valuestring, kv, n) &&
		    (it->valuestring[n] == '=' || it->valuestring[n] == 0)) {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

static int set_words(cJSON *cfg, const char *key, const char *value, const char *what, struct err *e)
{
	cJSON *l = word_list(value, what, e);
	if (!l)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
	cJSON_AddItemToObject(cfg, key, l);
	return 0;
}

static void set_string(cJSON *cfg, const char *key, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
	cJSON_AddStringToObject(cfg, key, value);
}

int image_config_apply(cJSON *config, const struct pack_config *pc, struct err *e)
{
	cJSON *cfg = cJSON_GetObjectItemCaseSensitive(config, "config");
	if (!cJSON_IsObject(cfg)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "config");
		cfg = cJSON_AddObjectToObject(config, "config");
	}
	cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "Env");
	if (pc->nenv && !cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Env");
		env = cJSON_AddArrayToObject(cfg, "Env");
	}
	for (int i = 0; i < pc->nenv; i++)
		env_set(env, pc->env[i]);
	if (pc->entrypoint && set_words(cfg, "Entrypoint", pc->entrypoint, "--entrypoint", e) < 0)
		return -1;
	if (pc->entrypoint && !pc->cmd)
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Cmd");
	if (pc->cmd && set_words(cfg, "Cmd", pc->cmd, "--cmd", e) < 0)
		return -1;
	if (pc->workdir)
		set_string(cfg, "WorkingDir", pc->workdir);
	if (pc->user)
		set_string(cfg, "User", pc->user);
	return 0;
}

const char *image_arch(void) { return ARCH_SELF; }

int image_target_arch(const char *platform, const char **arch, struct err *e)
{
	if (!platform) {
		*arch = ARCH_SELF;
		return 0;
	}
	char want[16];
	const char *a = strchr(platform, '/'), *kernel = NULL;
	size_t n = a ? strcspn(a + 1, "/") : 0;
	if (a && a - platform == 5 && !strncmp(platform, "linux", 5) && n < sizeof want) {
		memcpy(want, a + 1, n);
		want[n] = 0;
		kernel = arch_kernel_name(want);
	}
	if (kernel) {
		*arch = arch_oci_name(kernel);   /* (the table's own string) */
		return 0;
	}
	return err_set(e, EXIT_USAGE, "--platform %s: boxcar makes files for %s (OS/ARCH[/VARIANT])",
		       platform, ARCH_PLATFORMS);
}

int image_check_platform(const struct image *img, struct err *e)
{
	const char *arch = json_str(img->config, "architecture"), *want;
	const char *os = json_str(img->config, "os");
	if (image_target_arch(img->platform, &want, e) < 0)
		return -1;
	if (os && strcmp(os, "linux") != 0)
		return err_set(e, EXIT_PACK, "image is for os '%s'; boxcar runs linux images", os);
	if (arch && strcmp(arch, want) != 0 && !arch_kernel_name(arch))
		return err_set(e, EXIT_PACK, "image is for linux/%s; boxcar makes files for %s", arch, ARCH_PLATFORMS);
	if (arch && strcmp(arch, want) != 0)
		return err_set(e, EXIT_PACK, "image is for linux/%s, not linux/%s; pack it with --platform linux/%s "
			       "(files for linux/%s hosts)", arch, want, arch, arch);
	return 0;
}
