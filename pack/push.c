#include "push.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "regclient.h"
#include "sources.h"

struct pusher {
	struct regclient rc;
	const struct payload *p;
	enum layer_enc enc;
	char from[256];    /* the repository of this registry the file was pulled from, or "" */
};

/* What a response that is not the one wanted means, as the error. */
static int refused(struct pusher *ps, const char *doing, const struct http_resp *r, struct err *e)
{
	char why[512];
	regclient_error(r, why, sizeof why);
	return err_set(e, EXIT_PACK, "%s: %s: the registry answered %s", ps->rc.shown, doing, why);
}

/* 1 when the repository has the blob, 0 when not. */
static int blob_exists(struct pusher *ps, const char *digest, struct err *e)
{
	char path[600];
	struct http_resp r = { 0 };
	struct http_req q = { .method = "HEAD", .url = path, .max = 1 << 16 };
	snprintf(path, sizeof path, "/v2/%s/blobs/%s", ps->rc.ref.name, digest);
	int rc = regclient_request(&ps->rc, &q, &r, e);
	if (rc == 0)
		rc = r.status == 200 ? 1 : r.status == 404 ? 0 : refused(ps, "checking a blob", &r, e);
	http_resp_free(&r);
	return rc;
}

/* An upload session (its URL in loc), or (1) the blob mounted from the
 * repository it came from. */
static int start_upload(struct pusher *ps, const char *digest, char *loc, size_t cap, struct err *e)
{
	char path[1200];
	struct http_resp r = { 0 };
	struct http_req q = { .method = "POST", .url = path, .max = 1 << 16 };
	int n = snprintf(path, sizeof path, "/v2/%s/blobs/uploads/", ps->rc.ref.name);
	if (ps->from[0])
		snprintf(path + n, sizeof path - (size_t)n, "?mount=%s&from=%s", digest, ps->from);
	int rc = regclient_request(&ps->rc, &q, &r, e);
	if (rc == 0 && r.status == 201 && ps->from[0])
		rc = 1;
	else if (rc == 0 && r.status == 202 && r.location[0])
		snprintf(loc, cap, "%s", r.location);
	else if (rc == 0)
		rc = refused(ps, "starting an upload", &r, e);
	http_resp_free(&r);
	return rc;
}

/* The whole blob in one PUT to the session, closed with its digest. */
static int upload(struct pusher *ps, const char *loc, const char *digest, const struct http_body *b,
		  struct err *e)
{
	char url[2400];
	struct http_resp r = { 0 };
	struct http_req q = { .method = "PUT", .url = url, .ctype = "application/octet-stream", .body = b,
			      .max = 1 << 16 };
	snprintf(url, sizeof url, "%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest);
	int rc = regclient_request(&ps->rc, &q, &r, e);
	if (rc == 0 && r.status != 201)
		rc = refused(ps, "uploading a blob", &r, e);
	http_resp_free(&r);
	return rc;
}

static int push_blob(struct pusher *ps, const char *what, const struct blob_desc *d, const struct http_body *b,
		     struct err *e)
{
	char loc[2048];
	int rc = blob_exists(ps, d->digest, e);
	if (rc == 1)
		log_info("%s %.19s: exists", what, d->digest);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if ((rc = start_upload(ps, d->digest, loc, sizeof loc, e)) == 1)
		log_info("%s %.19s: mounted from %s", what, d->digest, ps->from);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct progress prog;
	struct http_body shown = *b;
	progress_start(&prog, what, d->size);
	shown.progress = &prog;
	if (upload(ps, loc, d->digest, &shown, e) < 0)
		return err_ctx(e, "%s %s", what, d->digest);
	progress_end(&prog);
	char size[32];
	if (d->size < 10000)
		snprintf(size, sizeof size, "%llu bytes", (unsigned long long)d->size);
	else
		snprintf(size, sizeof size, "%.1f MB", (double)d->size / 1e6);
	log_info("%s %.19s: pushed (%s)", what, d->digest, size);
	return 0;
}

static int tmp_emit(void *arg, const void *buf, size_t n)
{
	return write_full(*(int *)arg, buf, n);
}

/* Layer i as gzip in an unlinked temporary file: its fd, the body over it. */
static int gzip_layer(struct pusher *ps, int i, struct blob_desc *d, struct http_body *b, struct err *e)
{
	const char *t = getenv("TMPDIR");
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s/boxcar-push.XXXXXX", t && *t ? t : "/tmp");
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, EXIT_PACK, "cannot create a temporary file %s", tmp);
	unlink(tmp);
	if (export_layer(ps->p, i, ENC_GZIP, tmp_emit, &fd, d, e) < 0) {
		close(fd);
		return -1;
	}
	*b = (struct http_body){ NULL, fd, 0, d->size, NULL };
	return fd;
}

/* ROOT/registry/gzip/<diff_id hex>: "DIGEST SIZE" of the layer's gzip
 * as pushed before, so a layer the registry has is not compressed again
 * to learn its name. NULL (no memo) when the cache cannot be used. */
static char *memo_path(const char *diff_id)
{
	struct err ignored = { 0 };
	char *dir = registry_cache_dir(&ignored), *gz = dir ? path_join(dir, "gzip") : NULL;
	char *path = gz && (mkdir(gz, 0700) == 0 || errno == EEXIST) ? path_join(gz, digest_hex(diff_id)) : NULL;
	free(dir);
	free(gz);
	return path;
}

static int memo_get(const char *diff_id, struct blob_desc *d)
{
	char *path = memo_path(diff_id), *text = path ? read_file_at(AT_FDCWD, path, 256, NULL) : NULL;
	unsigned long long size;
	char dig[DIGEST_STR];
	int ok = text && sscanf(text, "%71s %llu", dig, &size) == 2 && digest_valid(dig);
	if (ok) {
		memcpy(d->digest, dig, DIGEST_STR);
		d->size = size;
	}
	free(path);
	free(text);
	return ok;
}

/* (best effort: without it, the next push compresses again) */
static void memo_put(const char *diff_id, const struct blob_desc *d)
{
	char *path = memo_path(diff_id), *tmp = path ? malloc(strlen(path) + 8) : NULL, line[128];
	int fd = -1;
	if (tmp) {
		sprintf(tmp, "%s.%d", path, (int)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	int n = snprintf(line, sizeof line, "%s %llu\n", d->digest, (unsigned long long)d->size);
	if (fd >= 0) {
		int ok = write_full(fd, line, (size_t)n) == 0;
		if (close(fd) < 0 || !ok || rename(tmp, path) < 0)
			unlink(tmp);
	}
	free(path);
	free(tmp);
}

static int push_layer(struct pusher *ps, int i, struct blob_desc *d, struct err *e)
{
	const struct payload_layer *l = &ps->p->layers[i];
	struct http_body b = { NULL, ps->p->fd, l->offset, l->size, NULL };
	char what[64];
	int fd = -1, rc;
	snprintf(what, sizeof what, "layer %d/%d", i + 1, ps->p->nlayers);
	if (ps->enc == ENC_GZIP && memo_get(l->diff_id, d) && (rc = blob_exists(ps, d->digest, e)) != 0) {
		if (rc == 1)
			log_info("%s %.19s: exists", what, d->digest);
		return rc < 0 ? -1 : 0;
	}
	if (!export_known(ps->p, i, ps->enc, d) && (fd = gzip_layer(ps, i, d, &b, e)) < 0)
		return -1;
	rc = push_blob(ps, what, d, &b, e);
	if (fd >= 0) {
		close(fd);
		if (rc == 0)
			memo_put(l->diff_id, d);
	}
	return rc;
}

static int put_manifest(struct pusher *ps, const char *text, struct err *e)
{
	char path[600];
	struct http_body b = { text, -1, 0, strlen(text), NULL };
	struct http_resp r = { 0 };
	struct http_req q = { .method = "PUT", .url = path, .ctype = export_manifest_type(ps->enc == ENC_GZIP),
			      .body = &b, .max = 1 << 16 };
	snprintf(path, sizeof path, "/v2/%s/manifests/%s", ps->rc.ref.name, ps->rc.ref.tag);
	int rc = regclient_request(&ps->rc, &q, &r, e);
	if (rc == 0 && r.status != 201) {
		rc = refused(ps, "storing the manifest", &r, e);
		size_t n = strlen(e->msg);
		if (ps->enc == ENC_ZSTD && (r.status == 400 || r.status == 415))
			snprintf(e->msg + n, sizeof e->msg - n, " (a registry without zstd layers takes --compress gzip)");
	}
	http_resp_free(&r);
	return rc;
}

/* Layers, config, manifest. */
static int push_all(struct pusher *ps, char digest[DIGEST_STR], struct err *e)
{
	const struct payload *p = ps->p;
	struct blob_desc *layers = calloc((size_t)p->nlayers + 1, sizeof *layers), cd, md;
	char *config = NULL, *manifest = NULL;
	int rc = layers ? 0 : err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; rc == 0 && i < p->nlayers; i++)
		rc = push_layer(ps, i, &layers[i], e);
	if (rc == 0 && !(config = export_config(p, &cd, e)))
		rc = -1;
	if (rc == 0) {
		struct http_body b = { config, -1, 0, cd.size, NULL };
		rc = push_blob(ps, "config", &cd, &b, e);
	}
	if (rc == 0 && !(manifest = export_manifest(&cd, layers, p->nlayers, ps->enc, ps->enc == ENC_GZIP, &md)))
		rc = err_set(e, EXIT_PACK, "out of memory");
	if (rc == 0 && (rc = put_manifest(ps, manifest, e)) == 0)
		memcpy(digest, md.digest, DIGEST_STR);
	free(layers);
	free(config);
	free(manifest);
	return rc;
}

/* The index's "source", when it is a repository of the same registry
 * (a blob pushed there before may be mounted rather than sent). */
static void mount_source(struct pusher *ps)
{
	const char *src = json_str(ps->p->index, "source");
	struct reference r;
	struct err ignored = { 0 };
	if (src && !strncmp(src, "docker://", 9) && reference_parse(src + 9, &r, &ignored) == 0 &&
	    !strcmp(r.domain, ps->rc.ref.domain) && strcmp(r.name, ps->rc.ref.name))
		snprintf(ps->from, sizeof ps->from, "%s", r.name);
}

int push_image(const char *file, const struct push_opts *o, char digest[DIGEST_STR], struct err *e)
{
	struct pusher *ps = calloc(1, sizeof *ps);
	struct payload p;
	int rc = -1;
	if (!ps)
		return err_set(e, EXIT_PACK, "out of memory");
	ps->enc = o->enc;
	ps->p = &p;
	if (reference_parse(o->dest, &ps->rc.ref, e) == 0 && ps->rc.ref.digest[0])
		err_set(e, EXIT_USAGE, "push to a tag (docker://HOST/NAME:TAG), not to a digest");
	if (e->code || export_open(file, &p, e) < 0) {
		free(ps);
		return -1;
	}
	if (regclient_open(&ps->rc, o->dest, &o->reg, e) == 0) {
		mount_source(ps);
		rc = push_all(ps, digest, e);
	}
	if (rc == 0)
		log_info("pushed %s to %s", file, ps->rc.shown);
	regclient_close(&ps->rc);
	payload_close(&p);
	free(ps);
	return rc;
}
