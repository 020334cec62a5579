/* Decompress a zstd layer blob on a thread of its own, so that reading,
 * hashing and decompressing the blob (this thread) overlap with writing
 * the files (the caller), as `zstd -d | tar -x` overlaps two processes.
 * The compressed bytes are hashed as they are read; the digest is known
 * once inflate_finish has read the blob to its end. The thread is joined
 * there; still, unshare(CLONE_NEWUSER) wants a single-threaded process and
 * a joined thread can linger in the thread group for a moment: the cache
 * extracts in child processes (cache.c), so a launcher never has one. */
#ifndef BOXCAR_INFLATE_H
#define BOXCAR_INFLATE_H
#include <stdint.h>
#include <sys/types.h>
#include "../common/digest.h"
#include "../common/err.h"
#include "../common/log.h"

struct inflate;

/* Start on [off, off+len) of fd. prog (may be NULL) counts compressed
 * bytes, from the thread. NULL with e set if it cannot start. */
struct inflate *inflate_start(int fd, uint64_t off, uint64_t len, struct progress *prog,
			      struct err *e);
/* The next piece of the tar stream in *out, valid until the next call
 * (which releases it). Returns its length, 0 at the end, or -1 when the
 * blob cannot be read or decompressed (inflate_finish then says why). */
ssize_t inflate_next(struct inflate *z, const void **out);
/* Stop decompressing, hash what is left of the blob, end the thread and
 * free z. 0, with the blob's "sha256:..." in digest, when the whole blob
 * could be read; -1 with e set otherwise. */
int inflate_finish(struct inflate *z, char digest[DIGEST_STR], struct err *e);

#endif
