#include "digest.h"

#include <stdlib.h>
#include <string.h>
#include "xio.h"

void digest_init(struct digest *d) { sha256_init(&d->ctx); }

void digest_update(struct digest *d, const void *buf, size_t n)
{
	sha256_update(&d->ctx, n, buf);
}

void digest_final(struct digest *d, char out[DIGEST_STR])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[SHA256_DIGEST_SIZE];
	sha256_digest(&d->ctx, sizeof raw, raw);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[7 + 2 * i] = hex[raw[i] >> 4];
		out[8 + 2 * i] = hex[raw[i] & 15];
	}
	out[DIGEST_STR - 1] = 0;
}

int digest_range(int fd, uint64_t off, uint64_t len, char out[DIGEST_STR])
{
	enum { CHUNK = 1 << 17 };
	unsigned char *buf = malloc(CHUNK);
	struct digest d;
	if (!buf)
		return -1;
	digest_init(&d);
	while (len) {
		size_t n = len < CHUNK ? (size_t)len : CHUNK;
		if (pread_full(fd, buf, n, (off_t)off) < 0) {
			free(buf);
			return -1;
		}
		digest_update(&d, buf, n);
		off += n, len -= n;
	}
	free(buf);
	digest_final(&d, out);
	return 0;
}

int digest_valid(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != DIGEST_STR - 1)
		return 0;
	for (s += 7; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

const char *digest_hex(const char *s) { return s + 7; }
