/* Forcing the fallback paths, for tests only: what an older kernel takes
 * anyway, taken here on a new one so that the suite runs it (as crun's CI
 * does). BOXCAR_TEST_FALLBACKS is "all" or a comma list of:
 *   overlay-legacy   mount overlayfs with mount(2)'s one option string (< 6.8)
 *   no-openat2       resolve paths beneath a root component by component (< 5.6)
 *   no-close-range   close fds one by one from /proc/self/fd (< 5.9)
 *   no-own-sysfs     bind the host's /sys where a private one would be made
 *   no-mount-api     mounts with mount(2) alone, all made before pivot_root
 *                    (no open_tree/move_mount/fsopen: < 5.2; no
 *                    mount_setattr for read-only binds: < 5.12)
 * and, not included in "all", what a host may deny:
 *   deny-overlay     overlayfs refused (EPERM), as before Linux 5.11 or
 *                    under a policy: --boxcar-root=auto takes the flat root
 *   no-whiteout-dev  store whiteouts as empty files with the xattr
 *                    user.overlay.whiteout (mknod 0/0 refused in a user
 *                    namespace: < 5.8); for the flat root only: overlayfs
 *                    hides such a name but still lists it (t-flat.sh)
 * Not for use outside tests: it only ever picks a slower, older path. */
#ifndef BOXCAR_FALLBACK_H
#define BOXCAR_FALLBACK_H

/* 1 when the fallback `name` is forced. */
int fallback_forced(const char *name);

#endif
