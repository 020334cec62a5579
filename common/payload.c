#include "payload.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "json.h"
#include "xio.h"

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

void payload_trailer_encode(unsigned char out[PAYLOAD_TRAILER], uint64_t off,
			    uint64_t len, const char *sha, uint32_t flags)
{
	memset(out, 0, PAYLOAD_TRAILER);
	memcpy(out, PAYLOAD_MAGIC, 8);
	put_le(out + 8, PAYLOAD_VERSION, 4);
	put_le(out + 12, flags, 4);
	put_le(out + 16, off, 8);
	put_le(out + 24, len, 8);
	const char *h = digest_hex(sha);
	for (int i = 0; i < 32; i++)
		out[32 + i] = (unsigned char)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
}

/* The index's layer entries: one reader, one writer, the same keys. */
int payload_layer_add(cJSON *layers, const struct payload_layer *l)
{
	cJSON *j = cJSON_CreateObject();
	if (!j || !cJSON_AddItemToArray(layers, j) || !cJSON_AddNumberToObject(j, "offset", (double)l->offset) ||
	    !cJSON_AddStringToObject(j, "diff_id", l->diff_id) || !cJSON_AddStringToObject(j, "digest", l->digest) ||
	    !cJSON_AddNumberToObject(j, "size", (double)l->size) || !cJSON_AddNumberToObject(j, "usize", (double)l->usize))
		return -1;
	return 0;
}

static int parse_layer(const cJSON *j, struct payload_layer *l, uint64_t limit)
{
	const char *diff = json_str(j, "diff_id"), *dig = json_str(j, "digest");
	if (!digest_valid(diff) || !digest_valid(dig))
		return -1;
	memcpy(l->diff_id, diff, DIGEST_STR);
	memcpy(l->digest, dig, DIGEST_STR);
	if (json_u64(j, "offset", &l->offset) || json_u64(j, "size", &l->size) ||
	    json_u64(j, "usize", &l->usize))
		return -1;
	if (l->offset > limit || l->size > limit - l->offset)
		return -1;
	return 0;
}

static int parse_index(struct payload *p, uint64_t index_off, const char *path,
		       struct err *e)
{
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(p->index, "layers");
	p->config = cJSON_GetObjectItemCaseSensitive(p->index, "config");
	if (!cJSON_IsObject(p->config) || !cJSON_IsArray(layers))
		return err_set(e, EXIT_SETUP, "%s: payload index lacks config or layers", path);
	p->nlayers = cJSON_GetArraySize(layers);
	p->layers = calloc((size_t)p->nlayers + 1, sizeof *p->layers);
	if (!p->layers)
		return err_set(e, EXIT_SETUP, "out of memory");
	uint64_t prev_end = 0;
	for (int i = 0; i < p->nlayers; i++) {
		struct payload_layer *l = &p->layers[i];
		if (parse_layer(cJSON_GetArrayItem(layers, i), l, index_off) < 0 ||
		    l->offset < prev_end)
			return err_set(e, EXIT_SETUP, "%s: payload index has a bad entry for layer %d", path, i + 1);
		prev_end = l->offset + l->size;
	}
	return 0;
}

void payload_sig_encode(unsigned char out[PAYLOAD_SIG_BLOCK], const unsigned char pub[32],
			const unsigned char sig[64])
{
	memset(out, 0, PAYLOAD_SIG_BLOCK);
	memcpy(out, PAYLOAD_SIG_MAGIC, 8);
	memcpy(out + 8, pub, 32);
	memcpy(out + 40, sig, 64);
}

uint64_t payload_stub_end(const struct payload *p)
{
	return p->nlayers ? p->layers[0].offset : p->index_off;
}

/* The signature block before the trailer; *end: where the index must end. */
static int read_sig(struct payload *p, uint32_t flags, uint64_t *end, const char *path, struct err *e)
{
	unsigned char b[PAYLOAD_SIG_BLOCK];
	*end = p->file_size - PAYLOAD_TRAILER;
	if (!(flags & PAYLOAD_FLAG_SIGNED))
		return 0;
	if (*end < PAYLOAD_SIG_BLOCK || pread_full(p->fd, b, sizeof b, (off_t)(*end - PAYLOAD_SIG_BLOCK)) < 0 ||
	    memcmp(b, PAYLOAD_SIG_MAGIC, 8) != 0)
		return err_set(e, EXIT_SETUP, "%s: signature block is damaged; the file is damaged, copy it again", path);
	memcpy(p->sig_pub, b + 8, 32);
	memcpy(p->sig, b + 40, 64);
	p->is_signed = 1;
	*end -= PAYLOAD_SIG_BLOCK;
	return 0;
}

static int read_index(struct payload *p, const char *path, struct err *e)
{
	unsigned char t[PAYLOAD_TRAILER];
	uint64_t end;
	if (p->file_size < PAYLOAD_TRAILER ||
	    pread_full(p->fd, t, sizeof t, (off_t)(p->file_size - PAYLOAD_TRAILER)) < 0 ||
	    memcmp(t, PAYLOAD_MAGIC, 8) != 0)
		return err_set(e, EXIT_SETUP, "%s: no boxcar payload found (not a packed file, or truncated)", path);
	if (get_le(t + 8, 4) != PAYLOAD_VERSION)
		return err_set(e, EXIT_SETUP, "%s: payload format version %u is not supported by this boxcar", path, (unsigned)get_le(t + 8, 4));
	uint32_t flags = (uint32_t)get_le(t + 12, 4);
	if (flags & ~PAYLOAD_FLAG_SIGNED)
		return err_set(e, EXIT_SETUP, "%s: payload has unknown flags %#x; a newer boxcar made it", path, (unsigned)flags);
	if (read_sig(p, flags, &end, path, e) < 0)
		return -1;
	uint64_t off = get_le(t + 16, 8), len = get_le(t + 24, 8);
	if (len == 0 || len > PAYLOAD_INDEX_MAX || off > end || off + len != end)
		return err_set(e, EXIT_SETUP, "%s: payload trailer is damaged (file truncated or extended?)", path);
	char *buf = malloc(len);
	if (!buf)
		return err_set(e, EXIT_SETUP, "out of memory");
	if (pread_full(p->fd, buf, len, (off_t)off) < 0) {
		free(buf);
		return err_sys(e, EXIT_SETUP, "%s: reading payload index", path);
	}
	struct digest d;
	char got[DIGEST_STR];
	digest_init(&d);
	digest_update(&d, buf, len);
	digest_final(&d, got);
	unsigned char w[PAYLOAD_TRAILER];
	memcpy(w, t, sizeof w);
	payload_trailer_encode(w, off, len, got, flags);  /* re-encode ours, compare bytes */
	if (memcmp(w, t, PAYLOAD_TRAILER) != 0) {
		free(buf);
		return err_set(e, EXIT_SETUP, "%s: payload index is corrupt (digest mismatch); the file is damaged, copy it again", path);
	}
	p->index = cJSON_ParseWithLength(buf, len);
	free(buf);
	p->index_off = off, p->index_len = len;
	memcpy(p->index_sha, got, sizeof got);
	if (!p->index)
		return err_set(e, EXIT_SETUP, "%s: payload index is not valid JSON", path);
	return parse_index(p, off, path, e);
}

int payload_open(const char *path, const char *name, struct payload *p, struct err *e)
{
	struct stat st;
	const char *shown = name ? name : path;
	memset(p, 0, sizeof *p);
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0)
		return err_path(e, shown), err_sys(e, EXIT_SETUP, "cannot open %s", shown);
	int rc = fstat(p->fd, &st) < 0 ? err_sys(e, EXIT_SETUP, "stat %s", shown) :
		 !S_ISREG(st.st_mode) ? err_set(e, EXIT_SETUP, "%s is not a regular file", shown) : 0;
	if (rc == 0)
		p->file_size = (uint64_t)st.st_size;
	if (rc < 0 || read_index(p, shown, e) < 0) {
		err_path(e, shown);
		payload_close(p);
		return -1;
	}
	return 0;
}

void payload_close(struct payload *p)
{
	if (p->fd >= 0)
		close(p->fd);
	cJSON_Delete(p->index);
	free(p->layers);
	memset(p, 0, sizeof *p);
	p->fd = -1;
}

int payload_print_index(const struct payload *p, cJSON *build)
{
	cJSON *idx = p->index;
	if (build) {   /* a copy, so the payload's own index stays as it was read */
		idx = cJSON_Duplicate(p->index, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(idx, "build");
		if (!idx || !cJSON_AddItemToObject(idx, "build", build)) {
			cJSON_Delete(build);
			cJSON_Delete(idx);
			return -1;
		}
	}
	char *s = cJSON_Print(idx);
	if (idx != p->index)
		cJSON_Delete(idx);
	if (!s)
		return -1;
	puts(s);
	free(s);
	return fflush(stdout) == 0 ? 0 : -1;
}
