/* Which packed files must be signed before they run: a file whose index
 * lists "trust" keys (boxcar pack --trust), or any file run with
 * BOXCAR_TRUST set (a key, or a file of keys, one per line), must carry a
 * valid signature by one of them (common/sign.h) before anything is
 * extracted or run. */
#ifndef BOXCAR_TRUST_H
#define BOXCAR_TRUST_H
#include "../common/err.h"
#include "../common/payload.h"

/* 0 when no policy applies or the signature is good; else e says why (125). */
int trust_check(const struct payload *p, const char *file, struct err *e);

#endif
