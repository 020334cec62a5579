/* Write a packed file: stub, layers (recompressed as zstd), index,
 * trailer (format in common/payload.h). The output appears complete or
 * not at all: it is written to a temporary name beside it, then renamed. */
#ifndef BOXCAR_WRITER_H
#define BOXCAR_WRITER_H
#include <stddef.h>
#include "../common/payload.h"
#include <sys/types.h>
#include "image.h"

struct writer_opts {
	const unsigned char *stub;
	size_t stub_len;
	int level;                 /* zstd level */
	const char *stub_arch;     /* the stub's arch, OCI's name; NULL: this boxcar's */
};

int payload_write(struct image *img, const char *out, const struct writer_opts *wo,
		  struct err *e);
/* One layer as the zstd blob a packed file holds, written at out's
 * position: recompressed, or copied (and checked) when verbatim. pl gets
 * its digest, diff_id and sizes; `what` names it in the progress line. */
int writer_layer(int out, const struct image_layer *l, const struct writer_opts *wo, const char *what,
		 struct payload_layer *pl, struct err *e);
/* Write out atomically: body(fd) fills a temporary file beside out, which
 * is made executable, synced and renamed over out; removed on failure. */
int output_atomic(const char *out, int (*body)(int fd, void *arg, struct err *e), void *arg,
		  struct err *e);
/* The same with the file's mode given (output_atomic: 0755). */
int output_atomic_mode(const char *out, mode_t mode, int (*body)(int fd, void *arg, struct err *e),
		       void *arg, struct err *e);
/* The temporary file being written, for a signal handler to remove (or NULL). */
extern volatile const char *writer_tmp_path;

#endif
