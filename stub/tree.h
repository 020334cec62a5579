/* A digest of an extracted layer directory: names (sorted), types, modes,
 * sizes, file contents, link targets, whiteout and opaque markers. Not
 * owners or times. Recorded when a layer enters the cache and recomputed
 * by --boxcar-verify-cache / `boxcar cache verify`.
 *
 * Version 2 (recorded as "tree2 sha256:...") hashes each file's sha256
 * instead of its bytes, so the extraction, which hashes every file as it
 * writes it, hands those sums over in a memo and the walk reads no file
 * twice. Version 1 ("sha256:...") is still checked for older records. */
#ifndef BOXCAR_TREE_H
#define BOXCAR_TREE_H
#include <stdint.h>
#include "../common/digest.h"
#include "../common/err.h"

#define TREE_V2_TAG "tree2 "
#define TREE_STR (sizeof TREE_V2_TAG - 1 + DIGEST_STR)

/* The files' sums known from the extraction: path ("/usr/bin/x", as the
 * walk names it) -> size and "sha256:...". A path the memo lacks (or whose
 * size differs) is read from disk. */
struct tree_memo;
struct tree_memo *tree_memo_new(void);
void tree_memo_free(struct tree_memo *m);
void tree_memo_put(struct tree_memo *m, const char *path, uint64_t size, const char *sum);
void tree_memo_forget(struct tree_memo *m, const char *path);
/* Distrust every record (content changed behind the memo's back). */
void tree_memo_poison(struct tree_memo *m);
const char *tree_memo_get(const struct tree_memo *m, const char *path, uint64_t size);

/* version 1 or 2; memo may be NULL. out: the record text, without newline. */
int tree_digest(int dirfd, int version, const struct tree_memo *memo, char out[TREE_STR],
		struct err *e);
/* The version a recorded digest was made with. */
int tree_record_version(const char *rec);

#endif
