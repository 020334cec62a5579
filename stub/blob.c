#include "blob.h"

#include <archive.h>
#include <errno.h>
#include <string.h>
#include "inflate.h"

static la_ssize_t blob_read(struct archive *a, void *opaque, const void **out)
{
	ssize_t n = inflate_next(opaque, out);
	if (n < 0)
		archive_set_error(a, EIO, "the layer's data cannot be read or decompressed");
	return n;
}

static struct archive *tar_reader(struct inflate *z)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open(a, z, NULL, blob_read, NULL) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int blob_apply(int fd, const struct payload_layer *l, int dirfd, const struct layer_how *how,
	       struct progress *prog, struct err *e)
{
	struct inflate *z = inflate_start(fd, l->offset, l->size, prog, e);
	if (!z)
		return -1;
	struct err ae = { 0 };
	struct archive *a = tar_reader(z);
	int rc = a ? layer_apply(a, dirfd, how, &ae)
		   : err_set(&ae, EXIT_SETUP, "layer %.19s is corrupt: not a tar archive", l->diff_id);
	if (a)
		archive_read_free(a);
	char got[DIGEST_STR];
	if (inflate_finish(z, got, e) < 0)
		return -1;
	if (strcmp(got, l->digest) != 0)
		return err_set(e, EXIT_SETUP, "layer %.19s is corrupt (digest mismatch); the file is damaged, copy it again", l->diff_id);
	if (rc < 0)
		*e = ae;
	return rc;
}
