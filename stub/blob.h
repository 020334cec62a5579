/* Read a layer blob out of the packed file as a tar archive, hashing the
 * compressed bytes on the way so the blob's digest is known when the tar
 * has been read to the end. */
#ifndef BOXCAR_BLOB_H
#define BOXCAR_BLOB_H
#include <archive.h>
#include "../common/log.h"
#include "../common/payload.h"
#include "layer.h"

struct blob_src {   /* the libarchive read callback's state */
	int fd;
	uint64_t off, left;
	struct digest d;
	struct progress *prog;   /* may be NULL */
	unsigned char buf[1 << 17];
};

/* Apply layer `l` of the file open on fd to dirfd (see layer.h), checking
 * the blob's digest as it is read. A damaged blob is reported as such
 * ("layer ... is corrupt"), even when it also broke the tar. */
int blob_apply(int fd, const struct payload_layer *l, int dirfd, const struct layer_how *how,
	       struct progress *prog, struct err *e);

#endif
