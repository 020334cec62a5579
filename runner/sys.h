/* Thin wrappers for the mount-API system calls musl has no functions for.
 * The constants are the kernel's ABI (include/uapi/linux/mount.h); we keep
 * our own copies so musl's <sys/mount.h> and <linux/mount.h> never clash. */
#ifndef BOXCAR_RUNNER_SYS_H
#define BOXCAR_RUNNER_SYS_H
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BC_OPEN_TREE_CLONE	1u
#define BC_OPEN_TREE_CLOEXEC	02000000u
#define BC_AT_RECURSIVE		0x8000
#define BC_AT_EMPTY_PATH	0x1000
#define BC_MOVE_MOUNT_F_EMPTY_PATH 0x4u
#define BC_MOVE_MOUNT_T_EMPTY_PATH 0x40u
#define BC_MOUNT_ATTR_RDONLY	0x1u
#define BC_MOUNT_ATTR_NOSUID	0x2u
#define BC_MOUNT_ATTR_NODEV	0x4u
#define BC_MOUNT_ATTR_NOEXEC	0x8u
#define BC_FSCONFIG_SET_FLAG	0u
#define BC_FSCONFIG_SET_STRING	1u
#define BC_FSCONFIG_CMD_CREATE	6u
#define BC_FSOPEN_CLOEXEC	1u
#define BC_FSMOUNT_CLOEXEC	1u

struct bc_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static inline int sys_open_tree(int dfd, const char *path, unsigned flags)
{ return (int)syscall(SYS_open_tree, dfd, path, flags); }
static inline int sys_move_mount(int fdf, const char *pf, int fdt, const char *pt, unsigned flags)
{ return (int)syscall(SYS_move_mount, fdf, pf, fdt, pt, flags); }
static inline int sys_mount_setattr(int dfd, const char *path, unsigned flags,
				    struct bc_mount_attr *a)
{ return (int)syscall(SYS_mount_setattr, dfd, path, flags, a, sizeof *a); }
static inline int sys_fsopen(const char *fs, unsigned flags)
{ return (int)syscall(SYS_fsopen, fs, flags); }
static inline int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *val, int aux)
{ return (int)syscall(SYS_fsconfig, fd, cmd, key, val, aux); }
static inline int sys_fsmount(int fd, unsigned flags, unsigned attrs)
{ return (int)syscall(SYS_fsmount, fd, flags, attrs); }
static inline int sys_pivot_root(const char *new_root, const char *put_old)
{ return (int)syscall(SYS_pivot_root, new_root, put_old); }

#endif
