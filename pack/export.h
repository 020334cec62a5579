/* A packed file as an image again, for `boxcar save` and `boxcar push`:
 * the config blob (the index's config; its rootfs.diff_ids are the
 * layers'), each layer in the encoding asked (the packed zstd blob as it
 * is, or its tar gzip-compressed or plain), and the manifest over them. */
#ifndef BOXCAR_EXPORT_H
#define BOXCAR_EXPORT_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "../common/payload.h"

enum layer_enc {
	ENC_ZSTD,      /* the packed blob, copied: no recompression */
	ENC_GZIP,      /* the tar, gzip-compressed (older tools) */
	ENC_NONE,      /* the tar itself */
};

/* A blob as a manifest names it. */
struct blob_desc {
	char digest[DIGEST_STR];
	uint64_t size;
};

/* Set (to the signal's number) by a signal handler: the layer being
 * written stops at its next block with an error (errno EINTR), and the
 * caller removes what it made on its error path. */
extern volatile sig_atomic_t export_stop;

/* "zstd", "gzip" or "none" into *enc; -1 for anything else. */
int export_enc_parse(const char *s, enum layer_enc *enc);

/* Open FILE (payload_open) and check that the config's rootfs.diff_ids
 * are the layers' diff_ids. Errors are EXIT_PACK. */
int export_open(const char *file, struct payload *p, struct err *e);

/* The config blob: the index's config as compact JSON, malloc'd, its
 * length and digest in d. NULL when out of memory. */
char *export_config(const struct payload *p, struct blob_desc *d, struct err *e);

/* The bytes of layer i go to emit(arg, buf, n) (0, or -1 with errno set)
 * in encoding enc; d gets their digest and size. What is read from the
 * file is checked against the layer's digest, and what is decoded against
 * its diff_id, before this returns 0; a mismatch is an error (the file is
 * damaged) after some bytes went out, so write to something atomic. */
typedef int (*export_emit)(void *arg, const void *buf, size_t n);
int export_layer(const struct payload *p, int i, enum layer_enc enc, export_emit emit, void *arg,
		 struct blob_desc *d, struct err *e);
/* The digest and size of layer i in enc when known without encoding it
 * (zstd: the blob; none: the tar): 1, else 0 (gzip). */
int export_known(const struct payload *p, int i, enum layer_enc enc, struct blob_desc *d);

/* Media types: OCI's, or (docker) Docker schema 2's. */
const char *export_layer_type(enum layer_enc enc, int docker);
const char *export_config_type(int docker);
const char *export_manifest_type(int docker);

/* The image manifest over config and the n layers, compact JSON,
 * malloc'd (NULL when out of memory); its digest and size in d. */
char *export_manifest(const struct blob_desc *config, const struct blob_desc *layers, int n,
		      enum layer_enc enc, int docker, struct blob_desc *d);

#endif
