/* The image sources, one file each; source.c dispatches on the transport. */
#ifndef BOXCAR_SOURCES_H
#define BOXCAR_SOURCES_H
#include "image.h"

int load_oci(const char *arg, const struct pack_config *pc, struct image *img, struct err *e);
int load_oci_archive(const char *arg, const struct pack_config *pc, struct image *img, struct err *e);
int load_docker_archive(const char *arg, const struct pack_config *pc, struct image *img, struct err *e);
int load_rootfs(const char *arg, const struct pack_config *pc, struct image *img, struct err *e);
int load_registry(const char *arg, const struct pack_config *pc, struct image *img, struct err *e);

/* OCI layout pieces the registry source shares: the image of a manifest
 * whose blobs are under dir ("blobs/sha256/HEX"), and the entry of a
 * multi-platform index for platform (NULL: linux/<our arch>). */
int oci_image_from_manifest(int dfd, const char *dir, const cJSON *manifest, struct image *img,
			    struct err *e);
const cJSON *oci_pick_platform(const cJSON *index, const char *platform, struct err *e);

/* ROOT/registry (ROOT: the cache's, fsutil.h), private, with its
 * blobs/sha256 made as needed: the registry's blob cache. Malloc'd; NULL
 * with e set. */
char *registry_cache_dir(struct err *e);

/* The same from an unpacked directory (also the fuzz targets' entry). */
int load_oci_dir(const char *dir, const char *tag, struct image *img, struct err *e);
int load_docker_dir(const char *dir, const char *ref, const char *file, struct image *img,
		    struct err *e);
/* Unpack FILE (a tar, any compression) into a new img->tmpdir. */
int untar_to_tmpdir(const char *file, struct image *img, struct err *e);
/* Split "PATH:REF" at the last ':' when what follows holds no '/'. Returns
 * the malloc'd PATH; *ref points into arg or is NULL. */
char *split_ref(const char *arg, const char **ref);
/* Read a blob/file beneath dirfd and check its sha256 against `digest`
 * (when non-NULL). NUL-terminated; NULL with e set. */
char *read_verified(int dirfd, const char *path, const char *digest, size_t max,
		    size_t *len, struct err *e);

#endif
