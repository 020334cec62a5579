/* User-namespace id maps. */
#ifndef BOXCAR_IDMAP_H
#define BOXCAR_IDMAP_H
#include <sys/types.h>
#include "../common/err.h"

/* Write the uid/gid maps of `pid` (a child in a new user namespace).
 * Root (real, or of a subordinate-id namespace) maps every id it has onto
 * itself; anyone else maps their own uid/gid to `in_uid`/`in_gid`. */
int idmap_write(pid_t pid, uid_t in_uid, gid_t in_gid, struct err *e);
/* One id each: in_uid -> out_uid, in_gid -> out_gid, setgroups denied.
 * pid 0: the calling process's own namespace (written from inside). */
int idmap_single(pid_t pid, uid_t in_uid, gid_t in_gid, uid_t out_uid, gid_t out_gid, struct err *e);

#endif
