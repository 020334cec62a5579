/* boxcar push: a packed file to a registry (the OCI distribution API's
 * push): each blob not there already is uploaded (a HEAD first; a
 * cross-repository mount when the file was pulled from another repository
 * of the same registry; else an upload session and one PUT that streams
 * the blob from the file), the config, then the manifest under the tag.
 * One line per blob on stderr: "pushed", "exists" or "mounted". */
#ifndef BOXCAR_PUSH_H
#define BOXCAR_PUSH_H
#include "export.h"
#include "image.h"

struct push_opts {
	const char *dest;        /* HOST[:PORT]/NAME[:TAG], without "docker://" */
	struct pull_opts reg;    /* --creds, --cert-dir, --tls-verify */
	enum layer_enc enc;      /* ENC_ZSTD: the packed blobs and an OCI manifest;
				  * ENC_GZIP: gzip layers and a Docker schema 2 manifest */
};

/* Push FILE; the manifest's digest into digest. 0, or -1 with e set
 * (EXIT_USAGE for a bad destination, else EXIT_PACK). */
int push_image(const char *file, const struct push_opts *o, char digest[DIGEST_STR], struct err *e);

#endif
