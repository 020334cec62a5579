#include "writer.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include "../common/cpus.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/payload.h"
#include "../common/version.h"
#include "../common/xio.h"

volatile const char *writer_tmp_path;

/* libarchive read callback: the source file's raw bytes, hashed. */
struct raw_src {
	int fd;
	struct digest d;
	struct progress *prog;
	unsigned char buf[1 << 17];
};

static la_ssize_t raw_read(struct archive *a, void *opaque, const void **out)
{
	struct raw_src *s = opaque;
	ssize_t r;
	do
		r = read(s->fd, s->buf, sizeof s->buf);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	digest_update(&s->d, s->buf, (size_t)r);
	progress_add(s->prog, (uint64_t)r);
	*out = s->buf;
	return r;
}

/* The output side of one layer: zstd stream appended to the file. */
struct sink {
	int fd;
	ZSTD_CCtx *z;
	struct digest tar, blob;
	uint64_t usize, size;
	unsigned char head[512];     /* the first tar block, to sanity-check */
	unsigned char in[1 << 17];   /* decompressed tar bytes */
	unsigned char out[1 << 17];
};

static int sink_put(struct sink *k, const void *buf, size_t n, int end)
{
	ZSTD_inBuffer in = { buf, n, 0 };
	if (k->usize < sizeof k->head)
		memcpy(k->head + k->usize, buf, n < sizeof k->head - k->usize ? n : sizeof k->head - k->usize);
	digest_update(&k->tar, buf, n);
	k->usize += n;
	for (;;) {
		ZSTD_outBuffer o = { k->out, sizeof k->out, 0 };
		size_t left = ZSTD_compressStream2(k->z, &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left))
			return errno = EIO, -1;
		if (write_full(k->fd, k->out, o.pos) < 0)
			return -1;
		digest_update(&k->blob, k->out, o.pos);
		k->size += o.pos;
		if (end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int looks_like_tar(const struct sink *k)
{
	if (k->usize == 0)
		return 1;
	if (k->usize >= 512 && memcmp(k->head + 257, "ustar", 5) == 0)
		return 1;
	for (size_t i = 0; i < sizeof k->head && i < k->usize; i++)
		if (k->head[i])
			return 0;
	return 1;     /* an empty tar: only end-of-archive blocks */
}

static int check_layer(const struct image_layer *l, struct raw_src *src, struct sink *k,
		       char diff[DIGEST_STR], char blob[DIGEST_STR], struct err *e)
{
	char raw[DIGEST_STR];
	digest_final(&src->d, raw);
	digest_final(&k->tar, diff);
	digest_final(&k->blob, blob);
	if (l->digest[0] && strcmp(raw, l->digest) != 0)
		return err_set(e, EXIT_PACK, "layer %s: digest mismatch (expected %s, got %s); the image is damaged", l->path, l->digest, raw);
	if (l->diff_id[0] && strcmp(diff, l->diff_id) != 0)
		return err_set(e, EXIT_PACK, "layer %s: diff_id mismatch (expected %s, got %s); the image is damaged", l->path, l->diff_id, diff);
	if (!looks_like_tar(k))
		return err_set(e, EXIT_PACK, "layer %s is not a tar archive", l->path);
	return 0;
}

/* Stream one layer through decompression, hashing and zstd. */
static int write_layer(int out, const struct image_layer *l, const struct writer_opts *wo,
		       const char *what, struct payload_layer *pl, struct err *e)
{
	struct raw_src *src = malloc(sizeof *src);
	struct sink *k = malloc(sizeof *k);
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct progress prog;
	int rc = -1;
	if (!src || !k || !a || !(k->z = ZSTD_createCCtx())) {
		err_set(e, EXIT_PACK, "out of memory");
		goto out_nozstd;
	}
	ZSTD_CCtx_setParameter(k->z, ZSTD_c_compressionLevel, wo->level);
	/* one worker per core we may use (zstd's output does not depend on
	 * how many: the same bytes on any machine); but --level 19 asks for
	 * the smallest file, and one thread packs a few KB per layer smaller */
	ZSTD_CCtx_setParameter(k->z, ZSTD_c_nbWorkers, wo->level >= 19 ? 0 : cpus_usable(8));
	k->fd = out, k->usize = k->size = 0;
	digest_init(&k->tar);
	digest_init(&k->blob);
	src->fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0) {
		err_sys(e, EXIT_PACK, "cannot open layer %s", l->path);
		goto out;
	}
	digest_init(&src->d);
	src->prog = &prog;
	off_t total = lseek(src->fd, 0, SEEK_END);
	lseek(src->fd, 0, SEEK_SET);
	progress_start(&prog, what, total > 0 ? (uint64_t)total : 0);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_raw(a);
	if (archive_read_open(a, src, NULL, raw_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK) {
		err_set(e, EXIT_PACK, "layer %s: %s", l->path, archive_error_string(a));
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, k->in, sizeof k->in);
		if (n < 0) {
			err_set(e, EXIT_PACK, "layer %s: %s", l->path, archive_error_string(a));
			goto out;
		}
		if (sink_put(k, k->in, (size_t)n, n == 0) < 0) {
			err_sys(e, EXIT_PACK, "writing the output");
			goto out;
		}
		if (n == 0)
			break;
	}
	const void *rest;
	while (raw_read(a, src, &rest) > 0)   /* hash what the decoder left */
		;
	char diff[DIGEST_STR], blob[DIGEST_STR];
	if (check_layer(l, src, k, diff, blob, e) < 0)
		goto out;
	progress_end(&prog);
	memcpy(pl->diff_id, diff, DIGEST_STR);
	memcpy(pl->digest, blob, DIGEST_STR);
	pl->size = k->size, pl->usize = k->usize;
	rc = 0;
out:
	if (src && src->fd >= 0)
		close(src->fd);
	ZSTD_freeCCtx(k->z);
out_nozstd:
	if (a)
		archive_read_free(a);
	free(src);
	free(k);
	return rc;
}

/* A layer of a packed file, copied as it is and checked against its digest. */
static int copy_layer(int out, const struct image_layer *l, const char *what, struct payload_layer *pl,
		      struct err *e)
{
	unsigned char *buf = malloc(1 << 17);
	struct digest d;
	struct progress prog;
	char got[DIGEST_STR];
	int in = open(l->path, O_RDONLY | O_CLOEXEC), rc = -1;
	if (!buf || in < 0) {
		err_sys(e, EXIT_PACK, "cannot read %s", l->path);
		goto out;
	}
	digest_init(&d);
	progress_start(&prog, what, l->size);
	for (uint64_t done = 0; done < l->size; ) {
		size_t want = l->size - done < (1 << 17) ? (size_t)(l->size - done) : (1 << 17);
		ssize_t n = pread(in, buf, want, (off_t)(l->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(e, EXIT_PACK, "%s: layer %s is cut short; the file is damaged", l->path, l->digest);
			goto out;
		}
		digest_update(&d, buf, (size_t)n);
		if (write_full(out, buf, (size_t)n) < 0) {
			err_sys(e, EXIT_PACK, "writing the output");
			goto out;
		}
		done += (uint64_t)n;
		progress_add(&prog, (uint64_t)n);
	}
	digest_final(&d, got);
	if (strcmp(got, l->digest) != 0) {
		err_set(e, EXIT_PACK, "%s: layer digest mismatch (expected %s, got %s); the file is damaged", l->path, l->digest, got);
		goto out;
	}
	progress_end(&prog);
	memcpy(pl->diff_id, l->diff_id, DIGEST_STR);
	memcpy(pl->digest, l->digest, DIGEST_STR);
	pl->size = l->size, pl->usize = l->usize;
	rc = 0;
out:
	if (in >= 0)
		close(in);
	free(buf);
	return rc;
}

int writer_layer(int out, const struct image_layer *l, const struct writer_opts *wo, const char *what,
		 struct payload_layer *pl, struct err *e)
{
	return l->verbatim ? copy_layer(out, l, what, pl, e) : write_layer(out, l, wo, what, pl, e);
}

/* "stub": which stub went in (its arch, size and digest); "platform": the
 * image's, from its config (os/arch[/variant]) */
static void index_platform(cJSON *idx, const struct image *img, const struct writer_opts *wo)
{
	struct digest d;
	char sha[DIGEST_STR], plat[128];
	digest_init(&d);
	digest_update(&d, wo->stub, wo->stub_len);
	digest_final(&d, sha);
	cJSON *stub = cJSON_AddObjectToObject(idx, "stub");
	cJSON_AddStringToObject(stub, "os", "linux");
	cJSON_AddStringToObject(stub, "architecture", wo->stub_arch ? wo->stub_arch : image_arch());
	cJSON_AddNumberToObject(stub, "size", (double)wo->stub_len);
	cJSON_AddStringToObject(stub, "digest", sha);
	const char *os = json_str(img->config, "os"), *arch = json_str(img->config, "architecture");
	const char *v = json_str(img->config, "variant");
	snprintf(plat, sizeof plat, "%s/%s%s%s", os ? os : "linux", arch ? arch : "unknown", v ? "/" : "", v ? v : "");
	cJSON_AddStringToObject(idx, "platform", plat);
}

static cJSON *index_new(struct image *img, const struct writer_opts *wo)
{
	cJSON *idx = cJSON_CreateObject();
	cJSON_AddNumberToObject(idx, "boxcar", PAYLOAD_VERSION);
	cJSON_AddStringToObject(idx, "packed_by", "boxcar " BOXCAR_VERSION);
	/* what the stub inside links: `boxcar inspect FILE` shows it without running it */
	cJSON *build = version_json(VERSION_STUB);
	if (build && wo->stub_arch)   /* (the same sources and libraries, built for that arch) */
		cJSON_ReplaceItemInObjectCaseSensitive(build, "architecture", cJSON_CreateString(wo->stub_arch));
	cJSON_AddItemToObject(idx, "build", build);
	index_platform(idx, img, wo);
	if (img->source)
		cJSON_AddStringToObject(idx, "source", img->source);
	if (img->trust)
		cJSON_AddItemReferenceToObject(idx, "trust", img->trust);
	cJSON_AddArrayToObject(idx, "layers");
	return idx;
}

/* Record the real diff_ids in the config (rootfs sources have none yet). */
static void set_diff_ids(cJSON *config, const cJSON *layers)
{
	cJSON *rootfs = cJSON_GetObjectItemCaseSensitive(config, "rootfs");
	if (!cJSON_IsObject(rootfs)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "rootfs");
		rootfs = cJSON_AddObjectToObject(config, "rootfs");
		cJSON_AddStringToObject(rootfs, "type", "layers");
	}
	cJSON *ids = cJSON_CreateArray();
	const cJSON *l;
	cJSON_ArrayForEach(l, layers)
		cJSON_AddItemToArray(ids, cJSON_CreateString(cJSON_GetObjectItemCaseSensitive(l, "diff_id")->valuestring));
	cJSON_DeleteItemFromObjectCaseSensitive(rootfs, "diff_ids");
	cJSON_AddItemToObject(rootfs, "diff_ids", ids);
}

static int write_body(int fd, struct image *img, const struct writer_opts *wo, struct err *e)
{
	if (write_full(fd, wo->stub, wo->stub_len) < 0)
		return err_sys(e, EXIT_PACK, "writing the output");
	cJSON *idx = index_new(img, wo), *layers = cJSON_GetObjectItemCaseSensitive(idx, "layers");
	uint64_t off = wo->stub_len;
	for (int i = 0; i < img->nlayers; i++) {
		char what[64];
		struct payload_layer pl = { .offset = off };
		snprintf(what, sizeof what, "packing layer %d/%d", i + 1, img->nlayers);
		const struct image_layer *l = &img->layers[i];
		if (writer_layer(fd, l, wo, what, &pl, e) < 0 ||
		    payload_layer_add(layers, &pl) < 0) {
			cJSON_Delete(idx);
			return err_set(e, EXIT_PACK, "out of memory");
		}
		off += pl.size;
	}
	set_diff_ids(img->config, layers);
	cJSON_AddItemReferenceToObject(idx, "config", img->config);
	char *text = cJSON_PrintUnformatted(idx);
	cJSON_Delete(idx);
	if (!text)
		return err_set(e, EXIT_PACK, "out of memory");
	size_t len = strlen(text);
	struct digest d;
	char sha[DIGEST_STR];
	unsigned char trailer[PAYLOAD_TRAILER];
	digest_init(&d);
	digest_update(&d, text, len);
	digest_final(&d, sha);
	payload_trailer_encode(trailer, off, len, sha, 0);
	int rc = write_full(fd, text, len) < 0 || write_full(fd, trailer, sizeof trailer) < 0 ? -1 : 0;
	free(text);
	return rc < 0 ? err_sys(e, EXIT_PACK, "writing the output") : 0;
}

int output_atomic(const char *out, int (*body)(int fd, void *arg, struct err *e), void *arg,
		  struct err *e)
{
	return output_atomic_mode(out, 0755, body, arg, e);
}

int output_atomic_mode(const char *out, mode_t mode, int (*body)(int fd, void *arg, struct err *e),
		       void *arg, struct err *e)
{
	size_t n = strlen(out);
	char *tmp = malloc(n + 16);
	if (!tmp)
		return err_set(e, EXIT_PACK, "out of memory");
	memcpy(tmp, out, n);
	memcpy(tmp + n, ".tmp-XXXXXX", 12);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, EXIT_PACK, "cannot write %s (creating a temporary file beside it)", out);
		free(tmp);
		return -1;
	}
	writer_tmp_path = tmp;
	int rc = body(fd, arg, e);
	if (rc == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		rc = err_sys(e, EXIT_PACK, "finishing %s", tmp);
	if (close(fd) < 0 && rc == 0)
		rc = err_sys(e, EXIT_PACK, "writing %s", tmp);
	if (rc == 0 && rename(tmp, out) < 0)
		rc = err_sys(e, EXIT_PACK, "cannot write %s", out);
	if (rc < 0)
		unlink(tmp);
	writer_tmp_path = NULL;
	free(tmp);
	return rc;
}

struct body_args {
	struct image *img;
	const struct writer_opts *wo;
};

static int body(int fd, void *arg, struct err *e)
{
	struct body_args *b = arg;
	return write_body(fd, b->img, b->wo, e);
}

int payload_write(struct image *img, const char *out, const struct writer_opts *wo,
		  struct err *e)
{
	struct body_args b = { img, wo };
	return output_atomic(out, body, &b, e);
}
