/* `boxcar build`'s command line (the work is builder/build.h's). */
#ifndef BOXCAR_BUILDCMD_H
#define BOXCAR_BUILDCMD_H
#include "../pack/writer.h"

/* argv[0] is "build". Returns the exit status. */
int build_command(int argc, char **argv, const struct writer_opts *wo);

#endif
