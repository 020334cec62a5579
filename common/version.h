/* boxcar's version and the versions of the libraries linked into it, as
 * `curl -V` shows them: an air-gapped site audits a file against a CVE list
 * with this one line. build.sh records the Debian source version each static
 * library was built from (build/deps/versions); the Makefile compiles that
 * list in (build/obj/libversions.h). */
#ifndef BOXCAR_VERSION_H
#define BOXCAR_VERSION_H
#include <stdio.h>
#include <cjson/cJSON.h>

#ifndef BOXCAR_VERSION
#define BOXCAR_VERSION "0.1.0"
#endif

/* Which binary asks: the stub links fewer libraries than boxcar. */
enum version_of { VERSION_STUB, VERSION_BOXCAR };

/* Writes "boxcar V (payload format N, linux/ARCH) lib/version ..." and a
 * newline (ARCH: what this binary was compiled for).
 * Returns 0, or -1 when the write failed. */
int version_print(FILE *f, enum version_of which);
/* {"boxcar": V, "payload_format": N, "architecture": ARCH,
 *  "libraries": {name: version, ...}};
 * the caller frees it. NULL when out of memory. */
cJSON *version_json(enum version_of which);

#endif
