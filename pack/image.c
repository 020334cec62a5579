#include "image.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "../common/fsutil.h"
#include "../common/json.h"

#if defined(__x86_64__)
#define ARCH "amd64"
#elif defined(__aarch64__)
#define ARCH "arm64"
#else
#define ARCH "unknown"
#endif

void image_free(struct image *img)
{
	cJSON_Delete(img->config);
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

const char *image_arch(void) { return ARCH; }

int image_check_platform(const struct image *img, struct err *e)
{
	const char *arch = json_str(img->config, "architecture");
	const char *os = json_str(img->config, "os");
	if (os && strcmp(os, "linux") != 0)
		return err_set(e, EXIT_PACK, "image is for os '%s'; boxcar runs linux images", os);
	if (arch && strcmp(arch, ARCH) != 0)
		return err_set(e, EXIT_PACK, "image is for architecture '%s'; this boxcar runs %s images", arch, ARCH);
	return 0;
}
