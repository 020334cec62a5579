/* SHA-256 digests (nettle, SHA-NI when the CPU has it) in OCI's
 * "sha256:<64 hex>" spelling. */
#ifndef BOXCAR_DIGEST_H
#define BOXCAR_DIGEST_H
#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_HEX 64
#define DIGEST_STR (7 + DIGEST_HEX + 1)   /* "sha256:" + hex + NUL */

struct digest { struct sha256_ctx ctx; };

void digest_init(struct digest *d);
void digest_update(struct digest *d, const void *buf, size_t n);
/* Finish and write "sha256:<hex>" into out. */
void digest_final(struct digest *d, char out[DIGEST_STR]);
/* The digest of [off, off+len) of fd. 0, or -1 with errno set (EIO when
 * the file ends first). */
int digest_range(int fd, uint64_t off, uint64_t len, char out[DIGEST_STR]);
/* 1 if s is "sha256:" followed by exactly 64 lowercase hex digits. */
int digest_valid(const char *s);
/* The hex part of a valid digest (pointer into s). */
const char *digest_hex(const char *s);

#endif
