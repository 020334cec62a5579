/* Read a layer blob out of the packed file as a tar archive: inflate.h
 * decompresses (and hashes the compressed bytes) on its own thread,
 * libarchive reads the tar from that, layer.h writes the files. */
#ifndef BOXCAR_BLOB_H
#define BOXCAR_BLOB_H
#include "../common/log.h"
#include "../common/payload.h"
#include "layer.h"

/* Apply layer `l` of the file open on fd to dirfd (see layer.h), checking
 * the blob's digest as it is read. A damaged blob is reported as such
 * ("layer ... is corrupt"), even when it also broke the tar. */
int blob_apply(int fd, const struct payload_layer *l, int dirfd, const struct layer_how *how,
	       struct progress *prog, struct err *e);

#endif
