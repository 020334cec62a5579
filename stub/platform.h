/* Can this packed file run here? Its stub was compiled for one arch
 * (common/arch.h): the host must be that arch (uname -m), and the image's
 * layers (its config's architecture) must be for it too. */
#ifndef BOXCAR_STUB_PLATFORM_H
#define BOXCAR_STUB_PLATFORM_H
#include "../common/payload.h"

/* Checked before anything is extracted. 0, or -1 with e (EXIT_SETUP): one
 * line naming the file as `self`, both architectures and the fix. */
int platform_check(const struct payload *p, const char *self, struct err *e);

#endif
