/* --boxcar-extract: write the image's root file system, layers applied in
 * order with whiteouts honoured, into a new or empty directory. */
#ifndef BOXCAR_FLATTEN_H
#define BOXCAR_FLATTEN_H
#include "../common/payload.h"

int flatten(const struct payload *p, const char *dir, struct err *e);

#endif
