/* The stub a packed file starts with: this boxcar's own (linked in, for
 * the arch it was built for), or another arch's, the file stub-ARCH beside
 * the boxcar binary (`make stub-arm64`; docs/architecture.md says why it is
 * not linked in too). */
#ifndef BOXCAR_CLI_STUBS_H
#define BOXCAR_CLI_STUBS_H
#include "../pack/writer.h"

/* Fill wo's stub, stub_len and stub_arch for platform (--platform; NULL:
 * this boxcar's). 0, or -1 with e: EXIT_USAGE for a platform boxcar has no
 * stub for, EXIT_PACK when stub-ARCH is missing or not that arch's ELF.
 * stub_release frees what it read. */
int stub_select(const char *platform, struct writer_opts *wo, struct err *e);
void stub_release(struct writer_opts *wo);
/* Can this host run the packed file p (named file)? Its stub's arch (the
 * index's "stub") against uname -m: 0, or -1 with e (EXIT_SETUP), one line,
 * where the kernel would only say "Exec format error". */
int stub_runs_here(const struct payload *p, const char *file, struct err *e);

#endif
