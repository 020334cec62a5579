/* The loader's cache, read (ldcache.h). Layout (glibc's elf/cache.c and
 * dl-cache.h, little-endian on the hosts boxcar runs on):
 *   [old]  "ld.so-1.7.0" (12 bytes with its NUL), u32 n, n x 12-byte entries
 *   new    "glibc-ld.so.cache" "1.1", u32 nlibs, u32 len_strings, u8 flags,
 *          3 pad, u32 extension_offset, 3 x u32 unused   (48 bytes)
 *          nlibs x { i32 flags, u32 key, u32 value, u32 osversion, u64 hwcap }
 *          then the strings; key and value are offsets from the new header. */
#include "ldcache.h"

#include <string.h>

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache1.1"
#define OLD_HEAD 16u     /* magic (12) + count */
#define OLD_ENTRY 12u
#define NEW_HEAD 48u
#define NEW_ENTRY 24u

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Where the new format starts: 0, or after the old table (aligned to 8,
 * as glibc aligns it); SIZE_MAX when there is none. */
static size_t new_start(const unsigned char *b, size_t len)
{
	if (len >= sizeof NEW_MAGIC - 1 && !memcmp(b, NEW_MAGIC, sizeof NEW_MAGIC - 1))
		return 0;
	if (len < OLD_HEAD || memcmp(b, OLD_MAGIC, sizeof OLD_MAGIC - 1))
		return SIZE_MAX;
	uint32_t n = u32_at(b + 12);
	if (n > (len - OLD_HEAD) / OLD_ENTRY)
		return SIZE_MAX;
	size_t at = OLD_HEAD + (size_t)n * OLD_ENTRY;
	at = (at + 7) & ~(size_t)7;
	if (at > len || len - at < sizeof NEW_MAGIC - 1 || memcmp(b + at, NEW_MAGIC, sizeof NEW_MAGIC - 1))
		return SIZE_MAX;
	return at;
}

/* The NUL-terminated string at off from base, inside [base, base + n). */
static const char *str_at(const unsigned char *base, size_t n, uint32_t off)
{
	if (off >= n || !memchr(base + off, 0, n - off))
		return NULL;
	return (const char *)base + off;
}

int ldcache_walk(const void *buf, size_t len, ldcache_fn fn, void *arg, struct err *e)
{
	const unsigned char *b = buf;
	size_t at = new_start(b, len);
	if (at == SIZE_MAX)
		return err_set(e, EXIT_SETUP, "not a loader cache in the format glibc writes (glibc-ld.so.cache1.1)");
	const unsigned char *base = b + at;
	size_t n = len - at;
	if (n < NEW_HEAD)
		return err_set(e, EXIT_SETUP, "the loader cache is cut short");
	uint32_t nlibs = u32_at(base + 20);
	if (nlibs > (n - NEW_HEAD) / NEW_ENTRY)
		return err_set(e, EXIT_SETUP, "the loader cache lists %u entries, more than it holds", nlibs);
	for (uint32_t i = 0; i < nlibs; i++) {
		const unsigned char *ent = base + NEW_HEAD + (size_t)i * NEW_ENTRY;
		struct ldcache_entry en = {
			.flags = u32_at(ent), .name = str_at(base, n, u32_at(ent + 4)),
			.path = str_at(base, n, u32_at(ent + 8)),
		};
		if (!en.name || !en.path)
			return err_set(e, EXIT_SETUP, "the loader cache's entry %u points outside it", i);
		int rc = fn(&en, arg);
		if (rc)
			return rc;
	}
	return 0;
}
