/* The packed file's format, shared by the writer (pack/) and the reader
 * (stub/, `boxcar inspect`):
 *
 *   [ static stub ELF ][ layer 1 ]...[ layer N ][ index JSON ][ signature ][ trailer ]
 *
 * Each layer is one zstd stream of the layer's uncompressed tar. The index
 * holds the image config and the layer table; the 64-byte trailer at the
 * very end locates the index and carries its SHA-256, so a reader needs two
 * preads and one small hash to trust the table. Layer blobs carry their own
 * SHA-256 ("digest") checked while they are extracted, and the SHA-256 of
 * the uncompressed tar ("diff_id") names them in the cache.
 *
 * Trailer (little-endian): magic[8] "BOXCAR\0\1", u32 version, u32 flags,
 * u64 index_off, u64 index_len, u8 index_sha256[32].
 *
 * The signature block (128 bytes) is there only with flag SIGNED (boxcar
 * sign; common/sign.h): magic[8] "BXSIG\0\0\1", the ed25519 public key[32],
 * the signature[64], zeros[24]. */
#ifndef BOXCAR_PAYLOAD_H
#define BOXCAR_PAYLOAD_H
#include <stdint.h>
#include <cjson/cJSON.h>
#include "digest.h"
#include "err.h"

#define PAYLOAD_MAGIC "BOXCAR\0\1"
#define PAYLOAD_VERSION 1
#define PAYLOAD_TRAILER 64
#define PAYLOAD_INDEX_MAX (64u << 20)
#define PAYLOAD_FLAG_SIGNED 1u
#define PAYLOAD_SIG_MAGIC "BXSIG\0\0\1"
#define PAYLOAD_SIG_BLOCK 128

struct payload_layer {
	char diff_id[DIGEST_STR];   /* sha256 of the uncompressed tar */
	char digest[DIGEST_STR];    /* sha256 of the zstd blob in the file */
	uint64_t offset, size;      /* blob position in the file */
	uint64_t usize;             /* uncompressed tar size */
};

struct payload {
	int fd;
	uint64_t file_size;
	cJSON *index;               /* whole index; config points into it */
	const cJSON *config;        /* the OCI image config */
	struct payload_layer *layers;
	int nlayers;
	const int *fds;             /* NULL: every layer is in fd; else layer i's
				     * blob is in fds[i] (a build's layers, each a
				     * file of its own) */
	uint64_t index_off, index_len;
	char index_sha[DIGEST_STR];  /* checked against the trailer */
	int is_signed;
	unsigned char sig_pub[32], sig[64];
};

/* Open `path`, check the trailer and the index digest and the layer table.
 * Errors (code EXIT_SETUP) name the file, as `name` when given (the stub
 * opens /proc/self/exe but names the file as it was run), and what is wrong. */
int payload_open(const char *path, const char *name, struct payload *p, struct err *e);
void payload_close(struct payload *p);
/* Append l's entry to the index's "layers" array (the writer's side of
 * the layer table); 0, or -1 when out of memory. */
int payload_layer_add(cJSON *layers, const struct payload_layer *l);

/* Print the index (config + layer table) as indented JSON on stdout. A
 * non-NULL build (taken over, freed here) replaces the index's "build" member:
 * the stub shows the libraries it really links (version_json).
 * 0, or -1 if it could not be formatted or written. */
int payload_print_index(const struct payload *p, cJSON *build);

/* Encode the trailer for an index at [off, off+len) with digest sha ("sha256:hex"). */
void payload_trailer_encode(unsigned char out[PAYLOAD_TRAILER], uint64_t off,
			    uint64_t len, const char *sha, uint32_t flags);
/* Encode a signature block. */
void payload_sig_encode(unsigned char out[PAYLOAD_SIG_BLOCK], const unsigned char pub[32],
			const unsigned char sig[64]);
/* Where the stub ends (the first layer, or the index). */
uint64_t payload_stub_end(const struct payload *p);

#endif
