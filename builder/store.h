/* The build cache: BuildKit's idea in a directory of boxcar's cache.
 *
 *   ROOT/build/blobs/<diff_id hex>       a layer as a packed file holds it
 *                                        (one zstd stream of its tar)
 *   ROOT/build/blobs/<diff_id hex>.json  its digest, size, usize
 *   ROOT/build/steps/<key hex>           the image after a step (config and
 *                                        layer table), keyed by the parent's
 *                                        key, the instruction and its inputs
 *   ROOT/build/tmp/                      scratch of running builds
 *
 * Files appear whole (written beside, renamed); a blob is named by what
 * its tar hashes to, so two builds writing the same one agree. */
#ifndef BOXCAR_STORE_H
#define BOXCAR_STORE_H
#include <cjson/cJSON.h>
#include "../common/payload.h"
#include "../pack/image.h"
#include "../pack/writer.h"

struct store {
	char *root;                  /* ROOT/build */
	int blobs, steps, tmp;       /* directory fds */
};

/* An image as a build holds it: a whole OCI config (owned) and its
 * layers, each a blob of the store (offset 0). */
struct bimage {
	cJSON *config;
	struct payload_layer *layers;
	int nlayers;
};

int store_open(struct store *s, struct err *e);
void store_close(struct store *s);
/* Path of a layer's blob (malloc'd). */
char *store_blob_path(const struct store *s, const char *diff_id);
/* Is the blob of diff_id there? Fills pl (1), or 0. */
int store_has_blob(const struct store *s, const char *diff_id, struct payload_layer *pl);
/* Bring a layer in (recompressed to zstd, or copied when verbatim),
 * unless its diff_id is known and there already. */
int store_add_layer(struct store *s, const struct image_layer *l, const struct writer_opts *wo,
		    struct payload_layer *pl, struct err *e);
/* A fresh private scratch directory under tmp/ (malloc'd path). */
char *store_scratch(struct store *s, struct err *e);

/* The image recorded for key ("sha256:..."): 1 found (and every blob is
 * there), 0 not. */
int store_get_step(const struct store *s, const char *key, struct bimage *out);
int store_put_step(const struct store *s, const char *key, const struct bimage *img, struct err *e);

/* bimage helpers */
int bimage_copy(struct bimage *dst, const struct bimage *src);
int bimage_add_layer(struct bimage *img, const struct payload_layer *pl);
void bimage_free(struct bimage *img);

#endif
