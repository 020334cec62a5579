#include "export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "../common/json.h"
#include "../common/log.h"
#include "../common/xio.h"

#define CHUNK (1 << 17)

volatile sig_atomic_t export_stop;

int export_enc_parse(const char *s, enum layer_enc *enc)
{
	static const char *const names[] = { "zstd", "gzip", "none" };
	for (int i = 0; i < 3; i++)
		if (s && !strcmp(s, names[i])) {
			*enc = (enum layer_enc)i;
			return 0;
		}
	return -1;
}

/* config.rootfs.diff_ids, in order, are the layers' diff_ids */
static int diff_ids_match(const struct payload *p)
{
	const cJSON *rootfs = cJSON_GetObjectItemCaseSensitive(p->config, "rootfs");
	const char **ids = json_strv(rootfs, "diff_ids");
	int i = 0, ok = ids != NULL;
	for (; ok && i < p->nlayers; i++)
		ok = ids[i] && !strcmp(ids[i], p->layers[i].diff_id);
	ok = ok && !ids[i];
	free(ids);
	return ok;
}

int export_open(const char *file, struct payload *p, struct err *e)
{
	if (payload_open(file, NULL, p, e) < 0) {
		e->code = EXIT_PACK;
		return -1;
	}
	if (!diff_ids_match(p)) {
		payload_close(p);
		return err_set(e, EXIT_PACK, "%s: the config's rootfs.diff_ids are not its layers'; the file is damaged",
			       file);
	}
	return 0;
}

static void digest_of(const void *buf, size_t n, struct blob_desc *d)
{
	struct digest x;
	digest_init(&x);
	digest_update(&x, buf, n);
	digest_final(&x, d->digest);
	d->size = n;
}

char *export_config(const struct payload *p, struct blob_desc *d, struct err *e)
{
	char *text = cJSON_PrintUnformatted(p->config);
	if (!text)
		return err_set(e, EXIT_PACK, "out of memory"), NULL;
	digest_of(text, strlen(text), d);
	return text;
}

int export_known(const struct payload *p, int i, enum layer_enc enc, struct blob_desc *d)
{
	const struct payload_layer *l = &p->layers[i];
	if (enc == ENC_GZIP)
		return 0;
	memcpy(d->digest, enc == ENC_ZSTD ? l->digest : l->diff_id, DIGEST_STR);
	d->size = enc == ENC_ZSTD ? l->size : l->usize;
	return 1;
}

/* One layer on its way out: the blob read, the tar decoded, the output
 * encoded, each hashed. */
struct xcode {
	enum layer_enc enc;
	export_emit emit;
	void *arg;
	ZSTD_DCtx *dz;
	z_stream gz;
	int gz_on;
	size_t zleft;                 /* ZSTD_decompressStream's last hint: 0 at a frame's end */
	struct digest blob, tar, out;
	uint64_t usize, osize;
	unsigned char in[CHUNK], mid[CHUNK], buf[CHUNK];
};

static int out_bytes(struct xcode *x, const void *b, size_t n)
{
	if (n == 0)
		return 0;
	digest_update(&x->out, b, n);
	x->osize += n;
	return x->emit(x->arg, b, n);
}

/* tar bytes to gzip (flush: Z_FINISH at the end) */
static int gzip_put(struct xcode *x, const void *b, size_t n, int flush)
{
	x->gz.next_in = (Bytef *)(uintptr_t)b;
	x->gz.avail_in = (uInt)n;
	int zr;
	do {
		x->gz.next_out = x->buf;
		x->gz.avail_out = sizeof x->buf;
		zr = deflate(&x->gz, flush);
		if (zr == Z_STREAM_ERROR)
			return errno = EIO, -1;
		if (out_bytes(x, x->buf, sizeof x->buf - x->gz.avail_out) < 0)
			return -1;
	} while (x->gz.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

/* blob bytes: decoded (zstd), hashed as tar, encoded again */
static int decode_put(struct xcode *x, const void *b, size_t n)
{
	ZSTD_inBuffer in = { b, n, 0 };
	for (;;) {
		ZSTD_outBuffer o = { x->mid, sizeof x->mid, 0 };
		x->zleft = ZSTD_decompressStream(x->dz, &o, &in);
		if (ZSTD_isError(x->zleft))
			return errno = EBADMSG, -1;
		digest_update(&x->tar, x->mid, o.pos);
		x->usize += o.pos;
		int rc = x->enc == ENC_GZIP ? gzip_put(x, x->mid, o.pos, Z_NO_FLUSH) : out_bytes(x, x->mid, o.pos);
		if (rc < 0)
			return -1;
		if (in.pos == in.size && o.pos < o.size)
			return 0;   /* all read, nothing held back */
	}
}

static int chunk(struct xcode *x, const void *b, size_t n)
{
	digest_update(&x->blob, b, n);
	return x->enc == ENC_ZSTD ? out_bytes(x, b, n) : decode_put(x, b, n);
}

/* Read the blob and push it through; the checks at its end. */
static int run(const struct payload *p, const struct payload_layer *l, struct xcode *x, struct progress *prog,
	       struct err *e)
{
	for (uint64_t done = 0; done < l->size; ) {
		size_t want = l->size - done < CHUNK ? (size_t)(l->size - done) : CHUNK;
		if (export_stop)
			return err_set(e, EXIT_PACK, "interrupted");
		if (pread_full(p->fd, x->in, want, (off_t)(l->offset + done)) < 0)
			return err_sys(e, EXIT_PACK, "reading layer %s", l->digest);
		if (chunk(x, x->in, want) < 0)
			return errno == EBADMSG ? err_set(e, EXIT_PACK, "layer %s does not decode (zstd); the file is damaged", l->digest)
					       : err_sys(e, EXIT_PACK, "writing layer %s", l->digest);
		done += want;
		progress_add(prog, want);
	}
	if (x->enc == ENC_GZIP && gzip_put(x, "", 0, Z_FINISH) < 0)
		return err_sys(e, EXIT_PACK, "writing layer %s", l->digest);
	char got[DIGEST_STR];
	digest_final(&x->blob, got);
	if (strcmp(got, l->digest))
		return err_set(e, EXIT_PACK, "layer %s: digest mismatch (got %s); the file is damaged", l->digest, got);
	if (x->enc == ENC_ZSTD)
		return 0;
	digest_final(&x->tar, got);
	if (x->zleft != 0 || x->usize != l->usize || strcmp(got, l->diff_id))
		return err_set(e, EXIT_PACK, "layer %s: its tar is not the one packed (diff_id %s); the file is damaged",
			       l->digest, l->diff_id);
	return 0;
}

int export_layer(const struct payload *p, int i, enum layer_enc enc, export_emit emit, void *arg,
		 struct blob_desc *d, struct err *e)
{
	struct xcode *x = calloc(1, sizeof *x);
	int rc = -1;
	if (!x)
		return err_set(e, EXIT_PACK, "out of memory");
	x->enc = enc, x->emit = emit, x->arg = arg;
	digest_init(&x->blob), digest_init(&x->tar), digest_init(&x->out);
	if (enc != ENC_ZSTD && !(x->dz = ZSTD_createDCtx()))
		err_set(e, EXIT_PACK, "out of memory");
	else if (enc == ENC_GZIP && deflateInit2(&x->gz, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
						 Z_DEFAULT_STRATEGY) != Z_OK)
		err_set(e, EXIT_PACK, "out of memory");
	else {
		char what[64];
		struct progress prog;
		snprintf(what, sizeof what, "layer %d/%d", i + 1, p->nlayers);
		progress_start(&prog, what, p->layers[i].size);
		x->gz_on = enc == ENC_GZIP;
		rc = run(p, &p->layers[i], x, &prog, e);
		if (rc == 0)
			progress_end(&prog);
	}
	if (rc == 0) {
		digest_final(&x->out, d->digest);
		d->size = x->osize;
	}
	if (x->gz_on)
		deflateEnd(&x->gz);
	ZSTD_freeDCtx(x->dz);
	free(x);
	return rc;
}

const char *export_layer_type(enum layer_enc enc, int docker)
{
	if (docker && enc != ENC_ZSTD)
		return enc == ENC_GZIP ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
				       : "application/vnd.docker.image.rootfs.diff.tar";
	return enc == ENC_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
	       : enc == ENC_GZIP ? "application/vnd.oci.image.layer.v1.tar+gzip"
				 : "application/vnd.oci.image.layer.v1.tar";
}

const char *export_config_type(int docker)
{
	return docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json";
}

const char *export_manifest_type(int docker)
{
	return docker ? "application/vnd.docker.distribution.manifest.v2+json"
		      : "application/vnd.oci.image.manifest.v1+json";
}

static cJSON *descriptor(const char *type, const struct blob_desc *b)
{
	cJSON *j = cJSON_CreateObject();
	if (j && (!cJSON_AddStringToObject(j, "mediaType", type) || !cJSON_AddStringToObject(j, "digest", b->digest) ||
		  !cJSON_AddNumberToObject(j, "size", (double)b->size))) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

char *export_manifest(const struct blob_desc *config, const struct blob_desc *layers, int n,
		      enum layer_enc enc, int docker, struct blob_desc *d)
{
	cJSON *m = cJSON_CreateObject(), *ls = NULL;
	int ok = m && cJSON_AddNumberToObject(m, "schemaVersion", 2) &&
		 cJSON_AddStringToObject(m, "mediaType", export_manifest_type(docker)) &&
		 cJSON_AddItemToObject(m, "config", descriptor(export_config_type(docker), config)) &&
		 (ls = cJSON_AddArrayToObject(m, "layers"));
	for (int i = 0; ok && i < n; i++)
		ok = cJSON_AddItemToArray(ls, descriptor(export_layer_type(enc, docker), &layers[i]));
	char *text = ok ? cJSON_PrintUnformatted(m) : NULL;
	cJSON_Delete(m);
	if (text)
		digest_of(text, strlen(text), d);
	return text;
}
