/* The container's file system: overlay of the lower dirs with a tmpfs
 * upper, pivot_root into it, then /proc, /dev, /sys, /etc files and
 * volumes. Runs in the container's PID 1, inside the new user and mount
 * namespaces, before the process is started. */
#ifndef BOXCAR_ROOTFS_H
#define BOXCAR_ROOTFS_H
#include "runner.h"

int rootfs_setup(const struct runner_spec *s, struct err *e);

/* A read-only view of lowers (topmost first) on target, merged as the
 * container sees them (the builder's COPY reads images through it). */
int rootfs_mount_view(const char *const *lowers, int nlowers, const char *target, struct err *e);

#endif
