/* boxcar save: a packed file as an image again, layer for layer, in an
 * OCI image layout (a directory, or a tar of one) or a docker-archive
 * (`docker save`'s format). The config is the index's (its diff_ids are
 * the source image's), so packing the saved image gives back the same
 * layers and config. */
#ifndef BOXCAR_SAVE_H
#define BOXCAR_SAVE_H
#include "export.h"

enum save_format {
	SAVE_OCI,            /* DIR[:TAG]: a directory, made or added to */
	SAVE_OCI_ARCHIVE,    /* FILE[:TAG]: the layout as a tar */
	SAVE_DOCKER_ARCHIVE, /* FILE[:NAME[:TAG]]: uncompressed layer tars, manifest.json */
};

struct save_opts {
	enum save_format format;
	const char *dest;
	enum layer_enc enc;  /* OCI only (docker-archive layers are plain tars) */
};

/* Save FILE as o says. The output appears whole or not at all: a file is
 * written beside and renamed; a new directory is made beside and renamed;
 * to an existing OCI layout the blobs are added first and index.json is
 * replaced last (an entry of the same tag is replaced, as skopeo does).
 * A directory that is neither empty nor an OCI layout is refused.
 * 0, or -1 with e set (EXIT_USAGE for a bad destination, else EXIT_PACK). */
int save_image(const char *file, const struct save_opts *o, struct err *e);

#endif
