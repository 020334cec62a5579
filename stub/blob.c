#include "blob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static la_ssize_t blob_read(struct archive *a, void *opaque, const void **out)
{
	struct blob_src *s = opaque;
	size_t n = s->left < sizeof s->buf ? (size_t)s->left : sizeof s->buf;
	if (n == 0)
		return 0;
	ssize_t r;
	do
		r = pread(s->fd, s->buf, n, (off_t)s->off);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		archive_set_error(a, r < 0 ? errno : EIO, "reading the packed file: %s",
				  r < 0 ? strerror(errno) : "unexpected end of file");
		return -1;
	}
	s->off += (uint64_t)r;
	s->left -= (uint64_t)r;
	digest_update(&s->d, s->buf, (size_t)r);
	if (s->prog)
		progress_add(s->prog, (uint64_t)r);
	*out = s->buf;
	return r;
}

static struct archive *blob_open(struct blob_src *src, int fd, const struct payload_layer *l,
			  struct progress *prog, struct err *e)
{
	src->fd = fd;
	src->off = l->offset;
	src->left = l->size;
	src->prog = prog;
	digest_init(&src->d);
	struct archive *a = archive_read_new();
	if (!a) {
		err_set(e, EXIT_SETUP, "out of memory");
		return NULL;
	}
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, src, NULL, blob_read, NULL) != ARCHIVE_OK) {
		err_set(e, EXIT_SETUP, "layer %.19s is corrupt: %s", l->diff_id, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int blob_finish(struct archive *a, struct blob_src *src, const struct payload_layer *l,
		struct err *e)
{
	const void *p;
	/* let the reader consume the end of the stream, then hash the rest */
	while (src->left && blob_read(a, src, &p) > 0)
		;
	archive_read_free(a);
	char got[DIGEST_STR];
	digest_final(&src->d, got);
	if (src->left || strcmp(got, l->digest) != 0)
		return err_set(e, EXIT_SETUP, "layer %.19s is corrupt (digest mismatch); the file is damaged, copy it again", l->diff_id);
	return 0;
}

int blob_apply(int fd, const struct payload_layer *l, int dirfd, const struct layer_how *how,
	       struct progress *prog, struct err *e)
{
	struct blob_src *src = malloc(sizeof *src);
	if (!src)
		return err_set(e, EXIT_SETUP, "out of memory");
	struct archive *a = blob_open(src, fd, l, prog, e);
	int rc = -1;
	if (a) {
		struct err ae = { 0 };
		rc = layer_apply(a, dirfd, how, &ae);
		if (blob_finish(a, src, l, e) < 0)
			rc = -1;
		else if (rc < 0)
			*e = ae;
	}
	free(src);
	return rc;
}
