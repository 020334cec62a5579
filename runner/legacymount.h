/* The mounts of kernels without the new mount API (open_tree, move_mount,
 * fsopen: Linux 5.2; mount_setattr: 5.12), made with mount(2) alone
 * (MS_BIND, MS_REMOUNT, MS_MOVE) before pivot_root, through fds beneath
 * the new root (rootfs.c takes this path when mount_legacy() says so). */
#ifndef BOXCAR_LEGACYMOUNT_H
#define BOXCAR_LEGACYMOUNT_H
#include "../common/err.h"

/* 1 when mounts are made with mount(2) alone: the API is missing, or the
 * test switch no-mount-api forces it. Asked once per process. */
int mount_legacy(void);
/* "/proc/self/fd/N" for mount(2): the object fd holds, never a path
 * string the image's symlinks could redirect. */
const char *fd_path(char at[32], int fd);
/* The mount whose root mfd holds made read-only, its locked flags kept;
 * _below: its submounts too (mount(2) remounts one at a time). */
int remount_ro(int mfd, const char *what, struct err *e);
int remount_ro_below(int mfd, const char *what, struct err *e);

/* bind_legacy's how: a directory target, recursive, read-only */
enum { B_DIR = 1, B_REC = 2, B_RO = 4 };
/* Bind src (a host path before pivot_root, or a /proc/self/fd path) on
 * path in the new root, through the target's fd. */
int bind_legacy(int root, const char *src, const char *path, int how, struct err *e);

#endif
