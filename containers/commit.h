/* `boxcar commit NAME -o FILE`: a named container's image plus its
 * changes (its kept writable layer, changes.h) as a new packed file. */
#ifndef BOXCAR_COMMIT_H
#define BOXCAR_COMMIT_H
#include "../pack/image.h"
#include "../pack/writer.h"

/* pc: config changes (--cmd, --entrypoint, --env, --workdir, --user);
 * trust: keys added to the file's own trust list (taken over; may be NULL). */
int commit_container(const char *name, const struct pack_config *pc, cJSON *trust, const char *out,
		     const struct writer_opts *wo, struct err *e);

#endif
