/* The dynamic loader's cache (/etc/ld.so.cache, written by ldconfig): the
 * libraries the host's loader finds by name, and where they are. glibc
 * writes its "glibc-ld.so.cache1.1" format, alone (2.32+) or after the
 * old "ld.so-1.7.0" table; only the new format's entries are read (the
 * old one lacks nothing the new one has). A parser of untrusted bytes:
 * every offset and count is checked against the buffer (fuzz_ldcache). */
#ifndef BOXCAR_LDCACHE_H
#define BOXCAR_LDCACHE_H
#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* An entry's flags: the ELF class and ABI of the library (glibc's
 * FLAG_ELF_LIBC6 with FLAG_X8664_LIB64 or FLAG_AARCH64_LIB64). */
#define LDCACHE_X86_64 0x0303u
#define LDCACHE_AARCH64 0x0a03u
#if defined(__x86_64__)
#define LDCACHE_SELF LDCACHE_X86_64
#else
#define LDCACHE_SELF LDCACHE_AARCH64
#endif

struct ldcache_entry {
	const char *name;   /* the name the loader looks up ("libcuda.so.1") */
	const char *path;   /* where it is on the host (absolute) */
	uint32_t flags;
};

/* Called for each entry, in the cache's order; a non-zero return stops
 * the walk and is returned. */
typedef int (*ldcache_fn)(const struct ldcache_entry *en, void *arg);

/* Walk the cache in buf (len bytes; the strings handed to fn point into
 * it). Returns 0 (or fn's non-zero value), or -1 with e (EXIT_SETUP) for
 * bytes that are no cache or a cache that points outside itself. */
int ldcache_walk(const void *buf, size_t len, ldcache_fn fn, void *arg, struct err *e);

#endif
