/* The trace engine (trace.h, docs/trace-engine.md): x86-64 and arm64
 * (traceregs.c has what differs in their registers). */
#include "trace.h"

#if defined(__x86_64__) || defined(__aarch64__)
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../common/copy.h"
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "net.h"
#include "traceregs.h"
#include "tracepath.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define RED_ZONE 128
#if !defined(SYS_readlink)   /* arm64 has only the *at forms: numbers no call has */
#define SYS_readlink (-2L)
#define SYS_creat (-3L)
#define SYS_stat (-4L)
#define SYS_lstat (-5L)
#endif
#define TRACE_NGROUPS 32   /* (more in setgroups: EINVAL, as past the kernel's NGROUPS_MAX) */
#define TRACE_NDEVS (TP_MAX_BINDS + 1)
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* A traced process (a thread: credentials are per thread in the kernel,
 * and libc's setuid calls it in each): the ids it is told it has. */
struct tracee {
	pid_t pid;
	int state;           /* enum tracee_state */
	unsigned id[2][3];   /* [uid, gid][real, effective, saved] */
	int ngroups;         /* the supplementary groups setgroups set (getgroups answers them) */
	unsigned groups[TRACE_NGROUPS];
	char *exe;           /* the program run through the image's loader (guest path): /proc/PID/exe's answer */
	char *next_exe;      /* the same for the exec under way ("" when the kernel's answer is right) */
	unsigned long arg0;  /* the first argument of the call whose exit is awaited (arm64's x0 is its result there) */
};
/* A new child's first stop and its parent's fork event come in either order:
 * it runs once both were seen, with its parent's ids. */
enum tracee_state { T_RUNNING, T_STOPPED_NEW, T_EXPECTED };

struct tracer {
	struct tp_root root;
	uid_t uid;           /* the spec's ids: what the app starts as */
	gid_t gid;
	uid_t ruid;          /* the caller's, which own the files it makes */
	gid_t rgid;
	int ngroups;         /* the spec's supplementary groups */
	unsigned groups[TRACE_NGROUPS];
	dev_t devs[TRACE_NDEVS];   /* the tree's and the (non-verbatim) binds' file systems */
	int ndevs;
	struct loader { dev_t dev; ino_t ino; int argv0; } loaders[8];   /* (a cache: ld_argv0) */
	int nloaders;
	struct tracee *tracees;
	size_t ntracees, cap;
	unsigned long nenter[512], nexit;   /* stops, per syscall (--boxcar-verbose: report_stops) */
};

/* How a syscall is treated: which arguments are paths (and their dirfds),
 * where its flags are, and what it is. */
enum {
	F_NOFOLLOW = 1 << 0,   /* the last component is not followed */
	F_WRITE = 1 << 1,      /* changes the file system: EROFS in the tree */
	F_ATFLAGS = 1 << 2,    /* flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH */
	F_OPEN = 1 << 3,       /* flags: O_* (write and follow from them) */
	F_OPEN2 = 1 << 4,      /* openat2: O_* in struct open_how */
	F_EXEC = 1 << 5,       /* the image's loader or #! interpreter */
	F_EXIT = 1 << 6,       /* the result carries a path: stop at the exit too */
	F_FAKE0 = 1 << 7,      /* succeeds without effect (ids, owners) */
	F_UID = 1 << 8,        /* answers the spec's uid */
	F_GID = 1 << 9,
	F_EPERM = 1 << 10,     /* refused (ptrace: one tracer only) */
	F_SETID = 1 << 11,     /* changes the faked ids (struct tracee) */
	F_GETRES = 1 << 12,    /* getresuid/getresgid: written to the three pointers */
	F_SOCK = 1 << 13,      /* bind/connect/sendto: a unix socket's path in the sockaddr */
	F_ACCESS = 1 << 14,    /* access & co.: W_OK asks whether a write would work (EROFS in the tree) */
	F_FDWRITE = 1 << 15,   /* changes the file its fd (arg 0) names: EROFS in the tree */
	F_STAT = 1 << 16,      /* a stat result: owners mapped at the exit (stat_exit) */
	F_GROUPS = 1 << 17,    /* getgroups/setgroups: the thread's faked list */
	F_ENOSYS = 1 << 18,    /* refused as if absent (io_uring: its opens would bypass the tracer) */
	F_MAKES = 1 << 19,     /* makes its (last) path's name: EEXIST before EROFS (ro_error) */
};

struct sc {
	long nr;
	signed char path[2], dirfd[2], flags;
	unsigned f;
};

#define P1(a) { a, -1 }, { -1, -1 }
#define AT1(d, a) { a, -1 }, { d, -1 }
static const struct sc table[] = {
	{ SYS_openat, AT1(0, 1), 2, F_OPEN }, { SYS_openat2, AT1(0, 1), 2, F_OPEN2 },
	{ SYS_newfstatat, AT1(0, 1), 3, F_ATFLAGS | F_STAT }, { SYS_statx, AT1(0, 1), 2, F_ATFLAGS | F_STAT },
	{ SYS_fstat, P1(-1), -1, F_STAT },
	{ SYS_faccessat, AT1(0, 1), -1, F_ACCESS }, { SYS_faccessat2, AT1(0, 1), 3, F_ATFLAGS | F_ACCESS },
	{ SYS_readlinkat, AT1(0, 1), -1, F_NOFOLLOW | F_EXIT },
	{ SYS_execve, P1(0), -1, F_EXEC }, { SYS_execveat, AT1(0, 1), 4, F_EXEC | F_ATFLAGS },
	{ SYS_chdir, P1(0), -1, 0 }, { SYS_getcwd, P1(-1), -1, F_EXIT },
	{ SYS_mkdirat, AT1(0, 1), -1, F_NOFOLLOW | F_WRITE | F_MAKES },
	{ SYS_mknodat, AT1(0, 1), -1, F_NOFOLLOW | F_WRITE | F_MAKES },
	{ SYS_unlinkat, AT1(0, 1), -1, F_NOFOLLOW | F_WRITE },
	{ SYS_renameat, { 1, 3 }, { 0, 2 }, -1, F_NOFOLLOW | F_WRITE },
	{ SYS_renameat2, { 1, 3 }, { 0, 2 }, -1, F_NOFOLLOW | F_WRITE },
	{ SYS_linkat, { 1, 3 }, { 0, 2 }, -1, F_NOFOLLOW | F_WRITE | F_MAKES },
	{ SYS_symlinkat, AT1(1, 2), -1, F_NOFOLLOW | F_WRITE | F_MAKES },
	{ SYS_fchmodat, AT1(0, 1), -1, F_WRITE },
	{ SYS_fchown, P1(-1), -1, F_FAKE0 }, { SYS_fchownat, P1(-1), -1, F_FAKE0 },
	{ SYS_utimensat, AT1(0, 1), 3, F_ATFLAGS | F_WRITE }, { SYS_truncate, P1(0), -1, F_WRITE },
	{ SYS_statfs, P1(0), -1, 0 }, { SYS_inotify_add_watch, P1(1), -1, 0 },
	{ SYS_getxattr, P1(0), -1, 0 }, { SYS_lgetxattr, P1(0), -1, F_NOFOLLOW },
	{ SYS_listxattr, P1(0), -1, 0 }, { SYS_llistxattr, P1(0), -1, F_NOFOLLOW },
	{ SYS_setxattr, P1(0), -1, F_WRITE }, { SYS_lsetxattr, P1(0), -1, F_WRITE | F_NOFOLLOW },
	{ SYS_removexattr, P1(0), -1, F_WRITE }, { SYS_lremovexattr, P1(0), -1, F_WRITE | F_NOFOLLOW },
#if defined(__x86_64__)   /* (the calls arm64 has only in their *at forms) */
	{ SYS_open, P1(0), 1, F_OPEN }, { SYS_creat, P1(0), -1, F_WRITE },
	{ SYS_stat, P1(0), -1, F_STAT }, { SYS_lstat, P1(0), -1, F_NOFOLLOW | F_STAT },
	{ SYS_access, P1(0), -1, F_ACCESS }, { SYS_readlink, P1(0), -1, F_NOFOLLOW | F_EXIT },
	{ SYS_mkdir, P1(0), -1, F_NOFOLLOW | F_WRITE | F_MAKES }, { SYS_mknod, P1(0), -1, F_NOFOLLOW | F_WRITE | F_MAKES },
	{ SYS_unlink, P1(0), -1, F_NOFOLLOW | F_WRITE }, { SYS_rmdir, P1(0), -1, F_NOFOLLOW | F_WRITE },
	{ SYS_rename, { 0, 1 }, { -1, -1 }, -1, F_NOFOLLOW | F_WRITE },
	{ SYS_link, { 0, 1 }, { -1, -1 }, -1, F_NOFOLLOW | F_WRITE | F_MAKES },
	{ SYS_symlink, P1(1), -1, F_NOFOLLOW | F_WRITE | F_MAKES }, { SYS_chmod, P1(0), -1, F_WRITE },
	{ SYS_chown, P1(-1), -1, F_FAKE0 }, { SYS_lchown, P1(-1), -1, F_FAKE0 },
	{ SYS_utime, P1(0), -1, F_WRITE }, { SYS_utimes, P1(0), -1, F_WRITE },
#endif
	{ SYS_getuid, P1(-1), -1, F_UID }, { SYS_geteuid, P1(-1), -1, F_UID },
	{ SYS_getgid, P1(-1), -1, F_GID }, { SYS_getegid, P1(-1), -1, F_GID },
	{ SYS_getresuid, P1(-1), -1, F_GETRES | F_UID }, { SYS_getresgid, P1(-1), -1, F_GETRES | F_GID },
	{ SYS_setuid, P1(-1), -1, F_SETID | F_UID }, { SYS_setgid, P1(-1), -1, F_SETID | F_GID },
	{ SYS_setreuid, P1(-1), -1, F_SETID | F_UID }, { SYS_setregid, P1(-1), -1, F_SETID | F_GID },
	{ SYS_setresuid, P1(-1), -1, F_SETID | F_UID }, { SYS_setresgid, P1(-1), -1, F_SETID | F_GID },
	{ SYS_setgroups, P1(-1), -1, F_GROUPS }, { SYS_getgroups, P1(-1), -1, F_GROUPS },
	{ SYS_ptrace, P1(-1), -1, F_EPERM },
	/* what changes the host, not the image (an app run by real root would
	 * reach the host's mounts, name, clock, modules): refused, as an
	 * unprivileged container's namespaces or Docker's profile refuse them */
	{ SYS_mount, P1(-1), -1, F_EPERM }, { SYS_umount2, P1(-1), -1, F_EPERM },
	{ SYS_pivot_root, P1(-1), -1, F_EPERM }, { SYS_chroot, P1(-1), -1, F_EPERM },
	{ SYS_open_tree, P1(-1), -1, F_EPERM }, { SYS_move_mount, P1(-1), -1, F_EPERM },
	{ SYS_fsopen, P1(-1), -1, F_EPERM }, { SYS_fsmount, P1(-1), -1, F_EPERM },
	{ SYS_fspick, P1(-1), -1, F_EPERM }, { SYS_mount_setattr, P1(-1), -1, F_EPERM },
	{ SYS_sethostname, P1(-1), -1, F_EPERM }, { SYS_setdomainname, P1(-1), -1, F_EPERM },
	{ SYS_reboot, P1(-1), -1, F_EPERM }, { SYS_swapon, P1(-1), -1, F_EPERM }, { SYS_swapoff, P1(-1), -1, F_EPERM },
	{ SYS_init_module, P1(-1), -1, F_EPERM }, { SYS_finit_module, P1(-1), -1, F_EPERM },
	{ SYS_delete_module, P1(-1), -1, F_EPERM }, { SYS_kexec_load, P1(-1), -1, F_EPERM },
	{ SYS_kexec_file_load, P1(-1), -1, F_EPERM }, { SYS_settimeofday, P1(-1), -1, F_EPERM },
	{ SYS_clock_settime, P1(-1), -1, F_EPERM }, { SYS_acct, P1(-1), -1, F_EPERM },
	{ SYS_io_uring_setup, P1(-1), -1, F_ENOSYS },
	{ SYS_fchmod, P1(-1), -1, F_FDWRITE }, { SYS_fsetxattr, P1(-1), -1, F_FDWRITE },
	{ SYS_fremovexattr, P1(-1), -1, F_FDWRITE },
	{ SYS_bind, P1(-1), -1, F_SOCK | F_NOFOLLOW | F_WRITE }, { SYS_connect, P1(-1), -1, F_SOCK },
	{ SYS_getsockname, P1(-1), -1, F_EXIT }, { SYS_getpeername, P1(-1), -1, F_EXIT },
	{ SYS_sendto, P1(-1), -1, F_SOCK },   /* (stopped only with an address: install_filter) */
};
#define NTABLE (sizeof table / sizeof table[0])

static const struct sc *sc_find(long nr)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].nr == nr)
			return &table[i];
	return NULL;
}

/* ---- the tracee's memory ---- */

static int mem_read(pid_t pid, unsigned long addr, void *buf, size_t n)
{
	struct iovec l = { buf, n }, r = { (void *)addr, n };
	if (process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)n)
		return 0;
	if (errno == EFAULT)
		return -1;
	/* (where process_vm_readv is refused: word by word) */
	for (size_t i = 0; i < n; i += sizeof(long)) {
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + i), NULL);
		if (errno)
			return -1;
		memcpy((char *)buf + i, &w, n - i < sizeof w ? n - i : sizeof w);
	}
	return 0;
}

static int mem_write(pid_t pid, unsigned long addr, const void *buf, size_t n)
{
	struct iovec l = { (void *)buf, n }, r = { (void *)addr, n };
	if (process_vm_writev(pid, &l, 1, &r, 1, 0) == (ssize_t)n)
		return 0;
	/* (where process_vm_writev is refused: word by word) */
	for (size_t i = 0; i < n; i += sizeof(long)) {
		long w = 0;
		size_t k = n - i < sizeof w ? n - i : sizeof w;
		if (k < sizeof w) {
			errno = 0;
			w = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + i), NULL);
			if (errno)
				return -1;
		}
		memcpy(&w, (const char *)buf + i, k);
		if (ptrace(PTRACE_POKEDATA, pid, (void *)(addr + i), (void *)w) < 0)
			return -1;
	}
	return 0;
}

/* A NUL-terminated string of at most PATH_MAX, read page by page (a
 * string may end just before an unmapped page), the first read short (most
 * paths are: no 4 KiB copied for a name). */
/* -EFAULT when unreadable, -ENAMETOOLONG when longer. */
static int mem_string(pid_t pid, unsigned long addr, char out[PATH_MAX])
{
	size_t got = 0, want = 256;
	for (; got < PATH_MAX; want = 4096) {
		size_t n = 4096 - ((addr + got) & 4095);
		if (n > want)
			n = want;
		if (n > PATH_MAX - got)
			n = PATH_MAX - got;
		if (mem_read(pid, addr + got, out + got, n) < 0)
			return -EFAULT;
		if (memchr(out + got, 0, n))
			return 0;
		got += n;
	}
	return -ENAMETOOLONG;
}

/* Space below the tracee's stack pointer (past the red zone), handed out downwards. */
struct scratch {
	pid_t pid;
	unsigned long top;
};

static unsigned long scratch_put(struct scratch *s, const void *buf, size_t n)
{
	s->top = (s->top - n) & ~15UL;
	return mem_write(s->pid, s->top, buf, n) < 0 ? 0 : s->top;
}

/* ---- paths ---- */

/* What pid's /proc link for dirfd names (its cwd for AT_FDCWD, else fd/N),
 * NUL-terminated: its length, or -1 (no such fd, or too long to be whole). */
static ssize_t proc_fd_link(pid_t pid, long dirfd, char host[PATH_MAX])
{
	char link[64];
	if ((int)dirfd == AT_FDCWD)
		snprintf(link, sizeof link, "/proc/%d/cwd", (int)pid);
	else
		snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)pid, (int)dirfd);
	ssize_t k = readlink(link, host, PATH_MAX - 1);
	if (k < 0 || k >= PATH_MAX - 1)
		return -1;
	host[k] = 0;
	return k;
}

/* The host path for a path argument (relative to dirfd, or the cwd).
 * Returns enum tp_where, 0x100 to leave the argument alone, or -errno. */
static int translate(struct tracer *t, pid_t pid, long dirfd, const char *in, int follow, int fast,
		     char host[PATH_MAX])
{
	char guest[PATH_MAX * 2], base[PATH_MAX], gbase[PATH_MAX];
	if (!*in)
		return 0x100;   /* AT_EMPTY_PATH, or ENOENT from the kernel */
	/* one name, not followed, read only, beside a directory the kernel already
	 * has inside the tree: the kernel's own lookup is the same (find's and ls's
	 * fstatat/openat calls), unless a bind sits there */
	if (fast && !follow && !strchr(in, '/') && strcmp(in, "..") && !tp_bind_name(&t->root, in))
		return 0x100;
	t->root.pid = pid;   /* (reset by the caller's next translate; no other resolve uses it) */
	if (in[0] == '/')
		return tp_resolve(&t->root, in, follow, host);
	if (proc_fd_link(pid, dirfd, base) < 0)
		return 0x100;
	if (tp_to_guest(&t->root, base, gbase) < 0)
		return 0x100;   /* a directory outside the tree: as the kernel resolves it */
	if (snprintf(guest, sizeof guest, "%s/%s", gbase, in) >= (int)sizeof guest)
		return -ENAMETOOLONG;
	return tp_resolve(&t->root, guest, follow, host);
}

/* ---- exec ---- */

/* The PT_INTERP of an ELF file, or its #! line's interpreter (and its
 * one optional argument): 1 when found, 0 when neither (a static ELF). */
static int exec_interp(const char *host, char interp[PATH_MAX], char iarg[PATH_MAX], int *script)
{
	unsigned char buf[4096];
	int fd = open(host, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof buf - 1, 0);
	int found = 0;
	*script = 0;
	iarg[0] = 0;
	if (n > 2 && buf[0] == '#' && buf[1] == '!') {
		buf[n] = 0;
		char *s = (char *)buf + 2, *nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		s += strspn(s, " \t");
		size_t k = strcspn(s, " \t");
		char *a = s + k;
		if (*a)
			*a++ = 0;
		a += strspn(a, " \t");
		size_t al = strlen(a);
		while (al && (a[al - 1] == ' ' || a[al - 1] == '\t' || a[al - 1] == '\r'))
			a[--al] = 0;
		snprintf(interp, PATH_MAX, "%s", s);
		snprintf(iarg, PATH_MAX, "%s", a);
		found = *script = k > 0;
	} else if (n >= (ssize_t)sizeof(Elf64_Ehdr) && !memcmp(buf, ELFMAG, SELFMAG) && buf[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;
		memcpy(&eh, buf, sizeof eh);
		for (int i = 0; i < eh.e_phnum && !found; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (size_t)i * eh.e_phentsize)) != sizeof ph)
				break;
			if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz >= PATH_MAX)
				continue;
			found = pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) == (ssize_t)ph.p_filesz;
			interp[ph.p_filesz] = 0;
		}
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/* 1 if the loader at host takes --argv0 (glibc's since 2.33; musl's does
 * not): the option's name is in its file. Remembered by device and inode. */
static int ld_argv0(struct tracer *t, const char *host)
{
	struct stat st;
	int fd = open(host, O_RDONLY | O_CLOEXEC), has = 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fd >= 0 ? close(fd), 0 : 0;
	for (int i = 0; i < t->nloaders; i++)
		if (t->loaders[i].dev == st.st_dev && t->loaders[i].ino == st.st_ino)
			return close(fd), t->loaders[i].argv0;
	static char buf[1 << 16];
	static const char opt[] = "--argv0";
	size_t keep = 0;
	for (ssize_t n; !has && (n = read(fd, buf + keep, sizeof buf - keep)) > 0;) {
		size_t len = keep + (size_t)n;
		has = memmem(buf, len, opt, sizeof opt - 1) != NULL;
		keep = sizeof opt - 2;   /* (a name cut between two reads) */
		memmove(buf, buf + len - keep, keep);
	}
	close(fd);
	if (t->nloaders < (int)(sizeof t->loaders / sizeof t->loaders[0]))
		t->loaders[t->nloaders++] = (struct loader){ st.st_dev, st.st_ino, has };
	return has;
}

/* execve(path, argv, envp): the kernel gets the host path of the program,
 * or, for a dynamic ELF or a script, of the image's loader or interpreter,
 * with the program (its guest path) as argument: argv rewritten
 * (argv[0] kept with --argv0 where the loader takes it). exe: the program's
 * guest path when a loader runs it, else "". */
static int exec_fix(struct tracer *t, struct scratch *s, struct sysregs *r, int pi, int ai,
		    const char *guest, char host[PATH_MAX], char exe[PATH_MAX])
{
	enum { MAXARGS = 4096 };
	unsigned long *av = malloc((MAXARGS + 4) * sizeof *av), old[MAXARGS];
	char cur[PATH_MAX], interp[PATH_MAX], iarg[PATH_MAX], ihost[PATH_MAX];
	int n = 0, script, rc = 0, changed = 0;
	if (!av)
		return -ENOMEM;
	snprintf(cur, sizeof cur, "%s", guest);
	for (unsigned long p = r->a[ai]; p && n < MAXARGS; n++) {
		if (mem_read(s->pid, p + (unsigned long)n * sizeof *old, &old[n], sizeof *old) < 0)
			return free(av), -EFAULT;
		if (!old[n])
			break;
	}
	/* at most two levels: a script whose interpreter is dynamic */
	for (int level = 0; level < 2 && exec_interp(host, interp, iarg, &script); level++) {
		int w = tp_resolve(&t->root, interp, 1, ihost);
		if (w < 0) {
			rc = w;
			break;
		}
		unsigned long pi0 = scratch_put(s, interp, strlen(interp) + 1);
		unsigned long pcur = scratch_put(s, cur, strlen(cur) + 1);
		unsigned long parg = *iarg ? scratch_put(s, iarg, strlen(iarg) + 1) : 1;
		if (!pi0 || !pcur || !parg) {
			rc = -EFAULT;
			break;
		}
		int k = 0, first = 1;   /* argv[0] gives way to the path of what runs */
		av[k++] = pi0;
		if (*iarg)
			av[k++] = parg;
		if (!script && n > 0 && old[0] && ld_argv0(t, ihost)) {   /* (but the loader can keep it) */
			unsigned long popt = scratch_put(s, "--argv0", sizeof "--argv0");
			if (!popt) {
				rc = -EFAULT;
				break;
			}
			av[k++] = popt;
			av[k++] = old[0];
		}
		av[k++] = pcur;
		for (int i = first; i < n && k < MAXARGS + 2; i++)
			av[k++] = old[i];
		n = k;
		memcpy(old, av, (size_t)(n < MAXARGS ? n : MAXARGS) * sizeof *old);
		if (!script && tp_to_guest(&t->root, host, exe) < 0)
			exe[0] = 0;   /* (the loader runs the program: /proc/self/exe is to name it) */
		snprintf(cur, sizeof cur, "%s", interp);
		snprintf(host, PATH_MAX, "%s", ihost);
		changed = 1;
		if (!script)
			break;   /* a loader runs the program itself */
	}
	if (rc == 0 && changed) {
		old[n < MAXARGS ? n : MAXARGS - 1] = 0;
		unsigned long pav = scratch_put(s, old, (size_t)(n + 1) * sizeof *old);
		if (!pav)
			rc = -EFAULT;
		r->a[ai] = pav;
	}
	free(av);
	(void)pi;
	return rc;
}

/* ---- the tracees' faked ids ---- */

static struct tracee *tracee_find(struct tracer *t, pid_t pid)
{
	for (size_t i = 0; i < t->ntracees; i++)
		if (t->tracees[i].pid == pid)
			return &t->tracees[i];
	return NULL;
}

/* pid's entry, made (with the spec's ids and state st) when missing; NULL when out of memory. */
static struct tracee *tracee_add(struct tracer *t, pid_t pid, int st)
{
	struct tracee *te = tracee_find(t, pid);
	if (te)
		return te;
	if (t->ntracees == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct tracee *n = realloc(t->tracees, cap * sizeof *n);
		if (!n)
			return NULL;
		t->tracees = n, t->cap = cap;
	}
	te = &t->tracees[t->ntracees++];
	*te = (struct tracee){ pid, st, { { t->uid, t->uid, t->uid }, { t->gid, t->gid, t->gid } }, t->ngroups, { 0 },
			       NULL, NULL, 0 };
	memcpy(te->groups, t->groups, sizeof te->groups);
	return te;
}

static void tracee_drop(struct tracer *t, pid_t pid)
{
	struct tracee *te = tracee_find(t, pid);
	if (te) {
		free(te->exe), free(te->next_exe);
		*te = t->tracees[--t->ntracees];
	}
}

/* The ids answered, and set: setuid as root sets all three (as the kernel
 * does with CAP_SETUID), the re/res forms those not -1. Always allowed. */
static long ids_call(pid_t pid, struct tracee *te, const struct sc *c, struct sysregs *r)
{
	unsigned *id = te->id[c->f & F_GID ? 1 : 0];
	long nr = r->nr;
	if (c->f & F_GETRES) {
		for (int i = 0; i < 3; i++)
			if (mem_write(pid, r->a[i], &id[i], sizeof id[i]) < 0)
				return -EFAULT;
		return 0;
	}
	if (!(c->f & F_SETID))
		return nr == SYS_getuid || nr == SYS_getgid ? id[0] : id[1];
	unsigned a[3] = { (unsigned)r->a[0], (unsigned)r->a[1], (unsigned)r->a[2] };
	if (nr == SYS_setuid || nr == SYS_setgid) {
		id[0] = id[1] = id[2] = a[0];
		return 0;
	}
	int n = nr == SYS_setreuid || nr == SYS_setregid ? 2 : 3;
	for (int i = 0; i < n; i++)
		if (a[i] != (unsigned)-1)
			id[i] = a[i];
	return 0;
}

/* getgroups(size, list) answers, and setgroups(size, list) sets, the
 * thread's faked list (the spec's at first: the image's groups for its User). */
static long groups_call(pid_t pid, struct tracee *te, struct sysregs *r)
{
	long n = (long)(int)r->a[0];
	if (r->nr == SYS_getgroups) {
		if (n == 0)
			return te->ngroups;
		if (n < te->ngroups)
			return -EINVAL;
		return mem_write(pid, r->a[1], te->groups, (size_t)te->ngroups * sizeof *te->groups) < 0 ? -EFAULT
													  : te->ngroups;
	}
	if (n < 0 || n > TRACE_NGROUPS)
		return -EINVAL;
	unsigned g[TRACE_NGROUPS];
	if (n && mem_read(pid, r->a[1], g, (size_t)n * sizeof *g) < 0)
		return -EFAULT;
	memcpy(te->groups, g, (size_t)n * sizeof *g);
	te->ngroups = (int)n;
	return 0;
}

/* ---- the program a process runs (/proc/PID/exe) ---- */

/* An exec begins: what /proc/PID/exe will answer after it is not known yet
 * ("": the kernel's, right for a static program). */
static int exec_begin(struct tracer *t, pid_t pid)
{
	struct tracee *te = tracee_add(t, pid, T_RUNNING);
	if (!te)
		return -1;
	free(te->next_exe);
	te->next_exe = strdup("");
	return te->next_exe ? 0 : -1;
}

/* The exec runs the program exe (a guest path) through the image's loader. */
static int exec_note(struct tracer *t, pid_t pid, const char *exe)
{
	struct tracee *te = tracee_find(t, pid);
	char *d = strdup(exe);
	if (!te || !d)
		return free(d), -1;
	free(te->next_exe);
	te->next_exe = d;
	return 0;
}

/* The exec event: the process now runs what its exec named. A thread
 * that exec'd took its leader's pid (former: its own), with its own ids. */
static void exec_done(struct tracer *t, pid_t pid)
{
	unsigned long former = (unsigned long)pid;
	ptrace(PTRACE_GETEVENTMSG, pid, NULL, &former);
	struct tracee *te = tracee_find(t, (pid_t)former);
	if (!te || !te->next_exe)
		return;
	if ((pid_t)former != pid) {
		tracee_drop(t, pid);   /* (the old leader: no exit of its own is reported) */
		if (!(te = tracee_find(t, (pid_t)former)))
			return;
		te->pid = pid;
	}
	free(te->exe);
	te->exe = *te->next_exe ? te->next_exe : (free(te->next_exe), NULL);
	te->next_exe = NULL;
}

/* /proc/self/exe, /proc/thread-self/exe, /proc/N/exe, /proc/N/task/M/exe
 * (self: pid's) of a tracee that runs a program through the loader: out gets the
 * program's guest path (out may be path). 1 then, else 0. */
static int proc_exe(struct tracer *t, pid_t pid, const char *path, char out[PATH_MAX])
{
	pid_t who;
	const char *p = strncmp(path, "/proc/", 6) ? NULL : tp_proc_who(path + 5, pid, &who);
	struct tracee *te = p && !strcmp(p, "/exe") ? tracee_find(t, who) : NULL;
	if (!te || !te->exe)
		return 0;
	memmove(out, te->exe, strlen(te->exe) + 1);
	return 1;
}

/* The fd of fexecve (execveat(fd, "", AT_EMPTY_PATH)): its file's guest
 * path, when it is in the tree or a bind. 0, or -1 (left to the kernel). */
static int fd_guest(struct tracer *t, pid_t pid, long fd, char guest[PATH_MAX])
{
	char host[PATH_MAX];
	if (proc_fd_link(pid, fd, host) <= 0 || host[0] != '/')
		return -1;
	return tp_to_guest(&t->root, host, guest);
}

/* readlink of an exe link (proc_exe): the program's guest path, cut to the buffer. */
static int exe_exit(struct tracer *t, pid_t pid, struct sysregs *r)
{
	char path[PATH_MAX], exe[PATH_MAX];
	int at = r->nr == SYS_readlinkat;
	unsigned long buf = at ? r->a[2] : r->a[1], size = at ? r->a[3] : r->a[2];
	if ((long)r->ret < 0 || mem_string(pid, at ? r->a[1] : r->a[0], path) < 0 || !proc_exe(t, pid, path, exe))
		return 0;
	size_t n = strlen(exe) < size ? strlen(exe) : size;
	if (mem_write(pid, buf, exe, n) == 0) {
		r->ret = n;
		regs_set(pid, r);
	}
	return 1;
}

/* ---- owners in stat results ---- */

/* The call not made: it returns ret. */
static void skip(pid_t pid, struct sysregs *r, long ret)
{
	r->nr = -1;
	r->ret = (unsigned long)ret;
	regs_set(pid, r);
}

/* 1 when pid's stat results need their owners mapped: its faked euid or
 * egid is not the caller's (root, say, where the caller is uid 1000). Else
 * the call's exit is not stopped at: a run whose ids are the caller's pays nothing. */
/* The thread's faked effective ids (the spec's before it has its own). */
static void faked_eids(struct tracer *t, pid_t pid, unsigned *eu, unsigned *eg)
{
	struct tracee *te = tracee_find(t, pid);
	*eu = te ? te->id[0][1] : t->uid, *eg = te ? te->id[1][1] : t->gid;
}

static int owners_faked(struct tracer *t, pid_t pid)
{
	unsigned eu, eg;
	faked_eids(t, pid, &eu, &eg);
	return eu != t->ruid || eg != t->rgid;
}

static int dev_ours(const struct tracer *t, dev_t dev)
{
	for (int i = 0; i < t->ndevs; i++)
		if (t->devs[i] == dev)
			return 1;
	return 0;
}

/* The kernel's layouts (whatever the tracee's libc calls them): struct
 * stat's st_dev at 0, st_uid and st_gid at 28 on x86-64, at 24 on arm64
 * (the generic one); struct statx's (every arch's) stx_mask at 0, stx_uid
 * and stx_gid at 20, stx_dev_major/minor at 136. */
#if defined(__x86_64__)
enum { ST_UID = 28, ST_SIZE = 36, ST_FULL = 144 };
#else
enum { ST_UID = 24, ST_SIZE = 32, ST_FULL = 128 };
#endif
enum { SX_UID = 20, SX_DEV = 136, SX_SIZE = 144, SX_FULL = 256, SX_UIDGID = 0x8 | 0x10 };

/* The owners in a stat result b (a struct statx when sx): a file of the
 * caller's, on the tree's file system or a bind's (not /proc, /dev, /sys),
 * is the thread's (its faked euid/egid), as the one-id store lost the
 * image's owners; other owners (the host's root owning /dev/null) are kept.
 * Changed in place: 1 then, else 0. */
static int owners_map(struct tracer *t, pid_t pid, int sx, unsigned char *b)
{
	unsigned id[2], eu, eg;
	uint64_t dev;
	int off = sx ? SX_UID : ST_UID;
	if (sx) {
		uint32_t mask, mm[2];
		memcpy(&mask, b, sizeof mask);
		memcpy(mm, b + SX_DEV, sizeof mm);
		if ((mask & SX_UIDGID) != SX_UIDGID)
			return 0;
		dev = makedev(mm[0], mm[1]);
	} else
		memcpy(&dev, b, sizeof dev);
	memcpy(id, b + off, sizeof id);
	if (!dev_ours(t, (dev_t)dev) || (id[0] != t->ruid && id[1] != t->rgid))
		return 0;
	faked_eids(t, pid, &eu, &eg);
	if (id[0] == t->ruid)
		id[0] = eu;
	if (id[1] == t->rgid)
		id[1] = eg;
	memcpy(b + off, id, sizeof id);
	return 1;
}

/* Where a stat call's result goes. */
static unsigned long stat_buf(const struct sysregs *r)
{
	return r->nr == SYS_newfstatat ? r->a[2] : r->nr == SYS_statx ? r->a[4] : r->a[1];
}

/* A stat result (fstat's, and a stat of a path stat_enter left alone) at
 * its exit: its owners mapped (owners_map). */
static void stat_exit(struct tracer *t, pid_t pid, const struct sysregs *r)
{
	unsigned char b[SX_SIZE];
	int sx = r->nr == SYS_statx, off = sx ? SX_UID : ST_UID;
	if ((long)r->ret != 0 || mem_read(pid, stat_buf(r), b, sx ? SX_SIZE : ST_SIZE) < 0)
		return;
	if (owners_map(t, pid, sx, b))   /* (the owners only: the rest is the kernel's as it was) */
		mem_write(pid, stat_buf(r) + (unsigned long)off, b + off, 2 * sizeof(unsigned));
}

/* A stat whose owners are to be mapped, made by the tracer at the entry:
 * one stop where the kernel's call would take two (the exit's, for the
 * owners). The same call on the host path (host), or, for a name the kernel
 * resolves itself (host NULL), through the app's own dirfd or cwd in /proc
 * (its magic link is the open file itself: the fd forms, fstat and an empty
 * path with AT_EMPTY_PATH, too); the result, owners mapped, written to the
 * app's buffer, the call skipped with its result. 1 when done; 0 to leave
 * it to the kernel and the exit. */
static int stat_enter(struct tracer *t, pid_t pid, struct sysregs *r, const char *host, const char *in, long dirfd,
		      long flags)
{
	unsigned char b[SX_FULL];
	char via[PATH_MAX + 64];
	int sx = r->nr == SYS_statx, n;
	if ((!*in && !(flags & AT_EMPTY_PATH)) || (!host && (strchr(in, '/') || !strcmp(in, ".."))))
		return 0;   /* (an empty path without the flag: the kernel's ENOENT) */
	size_t bl;
	const struct tp_bind *vb = host ? tp_bind_of_host(&t->root, host, &bl) : NULL;
	if (vb && vb->verbatim)
		return 0;   /* (/proc, /dev, /sys: /proc/self is the app's only in its own call; no owners to map there) */
	if (!host) {
		const char *sep = *in ? "/" : "";
		if ((int)dirfd == AT_FDCWD)
			n = snprintf(via, sizeof via, "/proc/%d/cwd%s%s", (int)pid, sep, in);
		else
			n = snprintf(via, sizeof via, "/proc/%d/fd/%d%s%s", (int)pid, (int)dirfd, sep, in);
		if (n >= (int)sizeof via)
			return 0;
		host = via;
	}
	if (!*in)   /* (the link followed: not stat'ed itself) */
		flags &= ~(long)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	if (r->nr == SYS_lstat)
		flags = AT_SYMLINK_NOFOLLOW;
	else if (r->nr == SYS_stat)
		flags = 0;
	long rc = sx ? syscall(SYS_statx, AT_FDCWD, host, (int)flags, (unsigned)r->a[3], b)
		     : syscall(SYS_newfstatat, AT_FDCWD, host, b, (int)flags);
	int err = rc < 0 ? errno : 0;
	if (err == ENOENT && host == via && (int)dirfd != AT_FDCWD && proc_fd_link(pid, dirfd, via) < 0)
		err = EBADF;   /* (no such fd: the kernel's answer, not /proc's) */
	if (rc < 0)
		return skip(pid, r, -err), 1;
	owners_map(t, pid, sx, b);
	skip(pid, r, mem_write(pid, stat_buf(r), b, sx ? SX_FULL : ST_FULL) < 0 ? -EFAULT : 0);
	return 1;
}

/* The file systems whose files the caller's owners are mapped on: the
 * tree's and every bind's but the verbatim ones (/proc, /dev, /sys). */
static void owner_devs(struct tracer *t)
{
	struct stat st;
	if (stat(t->root.tree, &st) == 0)
		t->devs[t->ndevs++] = st.st_dev;
	for (int i = 0; i < t->root.nbinds && t->ndevs < TRACE_NDEVS; i++)
		if (!t->root.binds[i].verbatim && stat(t->root.binds[i].host, &st) == 0 && !dev_ours(t, st.st_dev))
			t->devs[t->ndevs++] = st.st_dev;
}

/* ---- the stops ---- */

static int open_flags(pid_t pid, const struct sc *c, struct sysregs *r, long *flags)
{
	if (c->f & F_OPEN2) {
		struct open_how how;
		if (mem_read(pid, r->a[c->flags], &how, sizeof how.flags) < 0)
			return -1;
		*flags = (long)how.flags;
	} else
		*flags = c->flags >= 0 ? (long)r->a[c->flags] : 0;
	return 0;
}

/* 1 if fd of pid names a file of the tree (not a bind's). */
static int fd_in_tree(struct tracer *t, pid_t pid, long fd)
{
	char host[PATH_MAX];
	return proc_fd_link(pid, fd, host) >= 0 && tp_in_tree(&t->root, host);
}

/* bind/connect/sendto on a unix socket with a path (not an abstract name):
 * the path translated, the sockaddr rewritten (ENAMETOOLONG where the host
 * path does not fit in sun_path). */
static void on_sock(struct tracer *t, pid_t pid, const struct sc *c, struct sysregs *r)
{
	struct sockaddr_un sa;
	char host[PATH_MAX];
	int ai = r->nr == SYS_sendto ? 4 : 1;   /* the address and its length follow */
	size_t len = (size_t)r->a[ai + 1], base = offsetof(struct sockaddr_un, sun_path);
	if (!r->a[ai] || len <= base + 1 || len > sizeof sa)
		return;
	memset(&sa, 0, sizeof sa);
	if (mem_read(pid, r->a[ai], &sa, len) < 0)
		return skip(pid, r, -EFAULT);   /* (fail closed) */
	if (sa.sun_family != AF_UNIX || !sa.sun_path[0])
		return;
	sa.sun_path[sizeof sa.sun_path - 1] = 0;
	int w = translate(t, pid, AT_FDCWD, sa.sun_path, !(c->f & F_NOFOLLOW), 0, host);
	if (w == 0x100)
		return;
	if (w < 0 || ((c->f & F_WRITE) && w != TP_BIND_RW) || strlen(host) >= sizeof sa.sun_path) {
		skip(pid, r, w < 0 ? w : w != TP_BIND_RW && (c->f & F_WRITE) ? -EROFS : -ENAMETOOLONG);
		return;
	}
	memcpy(sa.sun_path, host, strlen(host) + 1);
	struct scratch s = { pid, r->sp - RED_ZONE };
	unsigned long p = scratch_put(&s, &sa, sizeof sa);
	if (!p)
		return skip(pid, r, -EFAULT);
	r->a[ai] = p;
	r->a[ai + 1] = base + strlen(host) + 1;
	regs_set(pid, r);
}

/* getcwd answered at its entry, one stop instead of two (python asks at
 * every import): the guest path of /proc/PID/cwd. 1 when answered; 0 to
 * leave it to the kernel and map its result at the exit (a cwd outside the
 * tree and the binds, or a deleted one, whose ENOENT is the kernel's). */
static int getcwd_enter(struct tracer *t, pid_t pid, struct sysregs *r)
{
	char host[PATH_MAX], guest[PATH_MAX];
	ssize_t k = proc_fd_link(pid, AT_FDCWD, host);
	if (k <= 0 || host[0] != '/')
		return 0;
	if ((k > 10 && !strcmp(host + k - 10, " (deleted)")) || tp_to_guest(&t->root, host, guest) < 0)
		return 0;
	size_t gl = strlen(guest);
	if (gl + 1 > r->a[1])
		skip(pid, r, -ERANGE);
	else
		skip(pid, r, mem_write(pid, r->a[0], guest, gl + 1) < 0 ? -EFAULT : (long)gl + 1);
	return 1;
}

/* A change to the read-only tree, refused with what the kernel says first
 * on a read-only mount: EEXIST for a name mkdir & co. would make that is
 * there (busybox's mkdir -p), ENOENT for a missing one a call would change
 * (rm -f), else EROFS. i: which path; flags: an open's. */
static int ro_error(const struct sc *c, int i, long flags, const char *host)
{
	struct stat st;
	int exists = lstat(host, &st) == 0, last = c->path[1] >= 0 ? 1 : 0;
	if (exists && (c->f & F_MAKES) && i == last)
		return -EEXIST;
	int creates = ((c->f & F_MAKES) && i == last) || (long)c->nr == SYS_creat || ((c->f & (F_OPEN | F_OPEN2)) && (flags & O_CREAT));
	if (!exists && errno == ENOENT && i == 0 && !creates)
		return -ENOENT;
	return -EROFS;
}

/* The call's exit is to be stopped at: its first argument is kept for it
 * (on_exit_stop). 1, or 0 when out of memory (the exit goes unseen). */
static int exit_wanted(struct tracer *t, pid_t pid, const struct sysregs *r)
{
	struct tracee *te = tracee_add(t, pid, T_RUNNING);
	if (te)
		te->arg0 = r->a[0];
	return te != NULL;
}

/* A seccomp stop: rewrite what the call names. Returns 1 when its exit
 * must be seen too. */
static int on_enter(struct tracer *t, pid_t pid)
{
	struct tracee *te;
	struct sysregs r;
	char in[PATH_MAX], host[PATH_MAX], exe[PATH_MAX] = "";
	if (regs_get(pid, &r, 0) < 0)
		return 0;
	t->nenter[(unsigned long)r.nr % 512]++;
	const struct sc *c = sc_find(r.nr);
	if (!c)
		return 0;
	if (c->f & (F_UID | F_GID | F_GROUPS)) {
		te = tracee_add(t, pid, T_RUNNING);
		skip(pid, &r, !te ? -ENOMEM : c->f & F_GROUPS ? groups_call(pid, te, &r) : ids_call(pid, te, c, &r));
		return 0;
	}
	if (c->f & F_SOCK) {
		on_sock(t, pid, c, &r);
		return 0;
	}
	if (r.nr == SYS_getcwd)
		return !getcwd_enter(t, pid, &r) && exit_wanted(t, pid, &r);
	/* fchmod & co., and utimensat(fd, NULL) (futimens): the fd's file */
	if (((c->f & F_FDWRITE) || (r.nr == SYS_utimensat && !r.a[1])) &&
	    fd_in_tree(t, pid, (long)r.a[0])) {
		skip(pid, &r, -EROFS);
		return 0;
	}
	if (r.nr == SYS_fstat && (int)r.a[0] >= 0 && owners_faked(t, pid) &&
	    stat_enter(t, pid, &r, NULL, "", (long)(int)r.a[0], AT_EMPTY_PATH))
		return 0;
	if (c->f & (F_FAKE0 | F_EPERM | F_ENOSYS)) {
		skip(pid, &r, c->f & F_EPERM ? -EPERM : c->f & F_ENOSYS ? -ENOSYS : 0);
		return 0;
	}
	long flags = 0;
	if (open_flags(pid, c, &r, &flags) < 0)
		return skip(pid, &r, -EFAULT), 0;
	int follow = !(c->f & F_NOFOLLOW), write = !!(c->f & F_WRITE);
	if (c->f & (F_OPEN | F_OPEN2)) {
		follow = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
		write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
	} else if (c->f & F_ATFLAGS)
		follow = !(flags & AT_SYMLINK_NOFOLLOW);
	if (c->f & F_ACCESS)   /* (the mode follows the path) */
		write = !!(r.a[c->path[0] + 1] & W_OK);
	struct scratch s = { pid, r.sp - RED_ZONE };
	int changed = 0;
	if ((c->f & F_EXEC) && exec_begin(t, pid) < 0)
		return skip(pid, &r, -ENOMEM), 0;
	for (int i = 0; i < 2 && c->path[i] >= 0; i++) {
		unsigned long p = r.a[c->path[i]];
		int rd = p ? mem_string(pid, p, in) : 0;
		if (!p)
			continue;   /* (NULL: utimensat's fd form; else the kernel says EFAULT) */
		if (rd < 0)   /* fail closed: never the untranslated pointer */
			return skip(pid, &r, rd), 0;
		long dirfd = c->dirfd[i] >= 0 ? (long)r.a[c->dirfd[i]] : AT_FDCWD;
		if (follow)
			proc_exe(t, pid, in, in);   /* (/proc/self/exe followed: the program, not the loader) */
		if ((c->f & F_EXEC) && !*in && (flags & AT_EMPTY_PATH) && fd_guest(t, pid, dirfd, in) == 0) {
			r.a[c->flags] &= ~(unsigned long)AT_EMPTY_PATH;   /* fexecve: the fd's file by its path */
			changed = 1;
		}
		int w = translate(t, pid, dirfd, in, follow, !write && !(c->f & F_EXEC), host);
		if ((c->f & F_STAT) && w >= 0 && owners_faked(t, pid) &&
		    stat_enter(t, pid, &r, w == 0x100 ? NULL : host, in, dirfd, flags))
			return 0;
		if (w == 0x100)
			continue;
		if (w < 0 || (write && w != TP_BIND_RW && !((c->f & F_ACCESS) && access(host, F_OK) < 0)))
			return skip(pid, &r, w < 0 ? w : ro_error(c, i, flags, host)), 0;   /* (access: ENOENT first, from the kernel) */
		if ((c->f & F_EXEC) && (w = exec_fix(t, &s, &r, c->path[i], c->path[i] + 1, in, host, exe)) < 0)
			return skip(pid, &r, w), 0;
		if ((c->f & F_EXEC) && *exe && exec_note(t, pid, exe) < 0)
			return skip(pid, &r, -ENOMEM), 0;
		unsigned long np = scratch_put(&s, host, strlen(host) + 1);
		if (!np)   /* (below the stack pointer unmapped: see docs/trace-engine.md) */
			return skip(pid, &r, -EFAULT), 0;
		r.a[c->path[i]] = np;
		changed = 1;
	}
	if (changed)
		regs_set(pid, &r);
	return ((c->f & F_EXIT) || ((c->f & F_STAT) && owners_faked(t, pid))) && exit_wanted(t, pid, &r);
}

/* readlink(at) whose result filled the buffer: the host path may have been
 * cut, so read the link again here at full length (the tracee's /proc/self
 * as /proc/PID). 0, or -1 to keep what the kernel said. */
static int relink(pid_t pid, const struct sysregs *r, char buf[PATH_MAX + 1], size_t *len)
{
	char path[PATH_MAX], host[PATH_MAX + 32];
	int at = r->nr == SYS_readlinkat;
	if (mem_string(pid, at ? r->a[1] : r->a[0], path) < 0 || path[0] != '/')
		return -1;
	pid_t who;
	const char *rest = strncmp(path, "/proc/", 6) ? NULL : tp_proc_who(path + 5, pid, &who);
	if (rest)   /* (self: the app's, not the tracer's) */
		snprintf(host, sizeof host, "/proc/%d%s", (int)who, rest);
	else
		snprintf(host, sizeof host, "%s", path);
	ssize_t k = readlink(host, buf, PATH_MAX);
	if (k < 0)
		return -1;
	buf[k] = 0;
	*len = (size_t)k;
	return 0;
}

/* getsockname/getpeername of a unix socket: its host path becomes the guest's. */
static void sock_exit(struct tracer *t, pid_t pid, const struct sysregs *r)
{
	struct sockaddr_un sa;
	char guest[PATH_MAX];
	socklen_t len, base = offsetof(struct sockaddr_un, sun_path);
	if ((long)r->ret != 0 || !r->a[1] || mem_read(pid, r->a[2], &len, sizeof len) < 0 || len <= base)
		return;
	memset(&sa, 0, sizeof sa);
	if (mem_read(pid, r->a[1], &sa, len < sizeof sa ? len : sizeof sa) < 0 || sa.sun_family != AF_UNIX ||
	    !sa.sun_path[0])
		return;
	sa.sun_path[sizeof sa.sun_path - 1] = 0;
	if (tp_to_guest(&t->root, sa.sun_path, guest) < 0 || strlen(guest) >= sizeof sa.sun_path)
		return;
	memset(sa.sun_path, 0, sizeof sa.sun_path);
	memcpy(sa.sun_path, guest, strlen(guest));
	socklen_t n = base + (socklen_t)strlen(guest) + 1;
	if (mem_write(pid, r->a[1], &sa, len < n ? len : n) == 0)
		mem_write(pid, r->a[2], &n, sizeof n);
}

/* The exit of getcwd or readlink(at): host paths in the result become the guest's. */
static void on_exit_stop(struct tracer *t, pid_t pid)
{
	struct sysregs r;
	char buf[PATH_MAX + 1], guest[PATH_MAX];
	struct tracee *te = tracee_find(t, pid);
	if (!te || regs_get(pid, &r, 1) < 0)
		return;
	r.a[0] = te->arg0;
	long ret = (long)r.ret, nr = r.nr;
	if (nr == SYS_getsockname || nr == SYS_getpeername)
		return sock_exit(t, pid, &r);
	const struct sc *c = sc_find(nr);
	if (c && (c->f & F_STAT))
		return stat_exit(t, pid, &r);
	if (nr != SYS_getcwd && exe_exit(t, pid, &r))
		return;
	unsigned long addr = nr == SYS_getcwd ? r.a[0] : nr == SYS_readlink ? r.a[1] : r.a[2];
	unsigned long size = nr == SYS_getcwd ? r.a[1] : nr == SYS_readlink ? r.a[2] : r.a[3];
	size_t len = nr == SYS_getcwd ? (size_t)ret - 1 : (size_t)ret;   /* getcwd counts its NUL */
	if (ret <= 0 || len > PATH_MAX || mem_read(pid, addr, buf, len) < 0)
		return;
	buf[len] = 0;
	if (nr != SYS_getcwd && len == size && relink(pid, &r, buf, &len) < 0)
		return;
	if (buf[0] != '/' || tp_to_guest(&t->root, buf, guest) < 0 || !strcmp(guest, buf))
		return;
	size_t gl = strlen(guest);
	if (nr == SYS_getcwd) {
		if (gl + 1 > size)
			r.ret = (unsigned long)-ERANGE;
		else if (mem_write(pid, addr, guest, gl + 1) == 0)
			r.ret = gl + 1;
	} else {
		if (gl > size)
			gl = size;
		if (mem_write(pid, addr, guest, gl) == 0)
			r.ret = gl;
	}
	regs_set(pid, &r);
}

/* ---- the app and the loop ---- */

/* fstat as glibc makes it, newfstatat(fd, "", st, AT_EMPTY_PATH), and
 * statx(fd, "", AT_EMPTY_PATH, ...) as Rust's: the flags say "this fd",
 * so they run with no stop (a third of python's stops). The filter cannot
 * read the string: a caller passing AT_EMPTY_PATH *with* a path gets that
 * path resolved by the kernel, untranslated: a stat only (no open, no
 * change), and no libc does it (docs/trace-engine.md). A holds the
 * syscall number on entry and on the way past. Only where the app starts
 * with the caller's own ids: elsewhere fstat stops, for its owners
 * (stat_exit), as the app believes it is someone else. */
#define FSTAT_RULES 11
static int fstat_rules(struct sock_filter *f)
{
	int n = 0;
	unsigned at = AT_EMPTY_PATH, sync = AT_STATX_SYNC_TYPE;
	/* newfstatat: flags (args[3]) exactly AT_EMPTY_PATH */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_newfstatat, 0, 4);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3]));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, at, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	/* statx: flags (args[2]) AT_EMPTY_PATH, give or take the sync mode */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_statx, 0, 5);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2]));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~sync);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, at, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	return n;
}

static int install_filter(int fast_fstat)
{
	struct sock_filter f[6 + 7 + FSTAT_RULES + 2 * NTABLE + 1];
	int n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, regs_audit_arch(), 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);   /* (i386's, arm32's calls: not translated) */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	/* x32 calls (nr | 0x40000000) are other numbers for the same calls: refused, not untranslated */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
#endif
	/* sendto stops only with an address (a datagram to a unix path): send(2), every
	 * write to a connected socket, has none and runs without a stop */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 0, 6);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[4]));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[4]) + 4);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	if (fast_fstat)
		n += fstat_rules(f + n);
	for (size_t i = 0; i < NTABLE; i++) {
		if (fast_fstat && table[i].nr == SYS_fstat)
			continue;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)table[i].nr, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { (unsigned short)n, f };
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static volatile pid_t app_pid;
static volatile int app_stop_signal;

static void forward(int sig)
{
	if (app_pid > 0)
		kill(app_pid, sig == SIGTERM && app_stop_signal ? app_stop_signal : sig);
}

/* The child: wait until seized, then filter and exec (the exec is traced,
 * so it is translated like any other). */
static void child(int go, int fast_fstat, const struct runner_spec *sp, const char *cwd, const char *prog)
{
	char c;
	struct err e = { 0 };
	if (read(go, &c, 1) != 1)
		_exit(EXIT_SETUP);
	if (chdir(cwd) < 0) {
		fprintf(stderr, "boxcar: working directory %s: %s\n", cwd, strerror(errno));
		_exit(EXIT_SETUP);
	}
	/* (the launcher's fds, as under the ns engine: the app gets stdio, the PMI socket) */
	if (runner_close_fds(sp, -1, &e) < 0) {
		fprintf(stderr, "boxcar: %s\n", e.msg);
		_exit(EXIT_SETUP);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install_filter(fast_fstat) < 0) {
		fprintf(stderr, "boxcar: the trace engine's seccomp filter: %s\n", strerror(errno));
		_exit(EXIT_SETUP);
	}
	execve(prog, sp->argv, sp->envp);
	int sys = errno;
	fprintf(stderr, "boxcar: exec %s: %s\n", prog, strerror(sys));
	_exit(sys == ENOENT || sys == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

/* A new child's first stop: it runs once its parent's event gave it its ids. */
static void first_stop(struct tracer *t, pid_t pid)
{
	struct tracee *te = tracee_find(t, pid);
	if (te && te->state == T_EXPECTED) {
		te->state = T_RUNNING;
		ptrace(PTRACE_CONT, pid, NULL, NULL);
	} else if (!te && (te = tracee_add(t, pid, T_STOPPED_NEW)))
		;   /* (its parent's event continues it) */
	else
		ptrace(PTRACE_CONT, pid, NULL, NULL);
}

/* A fork, vfork or clone event at the parent: the child gets its ids. */
static void new_child(struct tracer *t, pid_t parent)
{
	unsigned long msg = 0;
	if (ptrace(PTRACE_GETEVENTMSG, parent, NULL, &msg) < 0)
		return;
	struct tracee *p = tracee_add(t, parent, T_RUNNING), ids;
	if (p)
		ids = *p;
	struct tracee *c = tracee_add(t, (pid_t)msg, T_EXPECTED);   /* (p may have moved) */
	if (!c || !p)
		return;
	memcpy(c->id, ids.id, sizeof c->id);
	c->ngroups = ids.ngroups;
	memcpy(c->groups, ids.groups, sizeof c->groups);
	free(c->exe);
	c->exe = ids.exe ? strdup(ids.exe) : NULL;   /* (threads too: each answers its process's exe) */
	if (c->state == T_STOPPED_NEW) {
		c->state = T_RUNNING;
		ptrace(PTRACE_CONT, c->pid, NULL, NULL);
	}
}

/* --boxcar-verbose: how many stops the run cost, and which calls made them
 * (what bench/trace.sh's numbers come from). */
static void report_stops(const struct tracer *t)
{
	unsigned long c[512], all = 0;
	char top[256] = "";
	size_t n = 0;
	memcpy(c, t->nenter, sizeof c);
	for (size_t i = 0; i < 512; i++)
		all += c[i];
	for (int k = 0; k < 6; k++) {   /* the commonest calls, by number */
		size_t best = 0;
		for (size_t i = 1; i < 512; i++)
			if (c[i] > c[best])
				best = i;
		if (!c[best] || n >= sizeof top)
			break;
		n += (size_t)snprintf(top + n, sizeof top - n, " #%zu:%lu", best, c[best]);
		c[best] = 0;
	}
	log_debug("trace: %lu stops at entry (by syscall%s), %lu at exit; %lu paths resolved, %lu host lookups", all,
		  top, t->nexit, t->root.nresolve, t->root.nlookup);
}

static int loop(struct tracer *t, pid_t app)
{
	int status = 0;
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			tracee_drop(t, pid);
			if (pid == app) {
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				break;
			}
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		int sig = WSTOPSIG(st), ev = st >> 16;
		if (ev == PTRACE_EVENT_SECCOMP) {
			int exit_too = on_enter(t, pid);
			ptrace(exit_too ? PTRACE_SYSCALL : PTRACE_CONT, pid, NULL, NULL);
		} else if (sig == (SIGTRAP | 0x80)) {
			t->nexit++;
			on_exit_stop(t, pid);
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		} else if (ev == PTRACE_EVENT_STOP) {
			/* a group-stop (job control): stays stopped, still traced; else a new child's first stop */
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
				ptrace(PTRACE_LISTEN, pid, NULL, NULL);
			else
				first_stop(t, pid);
		} else if (ev == PTRACE_EVENT_EXEC) {
			exec_done(t, pid);
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		} else if (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK || ev == PTRACE_EVENT_CLONE) {
			new_child(t, pid);
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		} else if (ev)
			ptrace(PTRACE_CONT, pid, NULL, NULL);   /* other events (vfork done, exit) */
		else
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);   /* a signal: delivered */
	}
	return status;
}

/* argv[0] with the guest's PATH (from envp), as a guest path; "" when not found. */
static void find_program(struct tracer *t, const char *name, char *const *envp, char out[PATH_MAX])
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char host[PATH_MAX];
	snprintf(out, PATH_MAX, "%s", name);
	if (strchr(name, '/'))
		return;
	for (int i = 0; envp[i]; i++)
		if (!strncmp(envp[i], "PATH=", 5))
			path = envp[i] + 5;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		char g[PATH_MAX];
		if (snprintf(g, sizeof g, "%.*s/%s", (int)n, p, name) < (int)sizeof g &&
		    tp_resolve(&t->root, g, 1, host) >= 0 && access(host, X_OK) == 0) {
			snprintf(out, PATH_MAX, "%s", g);
			return;
		}
		p += n + (p[n] == ':');
	}
	out[0] = 0;
}

/* A private directory for guest directory g: priv/N, holding a copy of what
 * the tree has there (its mode too), as the flat root's seeded tmpfs mounts;
 * empty and 1777 where the tree has nothing (or seed is 0). */
static int private_dir(struct tracer *t, const char *priv, int n, const char *g, int seed)
{
	char h[PATH_MAX], src[PATH_MAX];
	struct stat st;
	snprintf(h, sizeof h, "%s/%d", priv, n);
	if (mkdir(h, 0700) < 0)
		return -1;
	int have = seed && tp_resolve(&t->root, g, 1, src) == TP_TREE && stat(src, &st) == 0 && S_ISDIR(st.st_mode);
	if (have) {
		int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dfd = open(h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int rc = sfd >= 0 && dfd >= 0 ? copy_tree_at(sfd, dfd) : -1;
		if (sfd >= 0)
			close(sfd);
		if (dfd >= 0)
			close(dfd);
		if (rc < 0 || chmod(h, st.st_mode & 07777) < 0)
			return -1;
	} else if (chmod(h, 01777) < 0)
		return -1;
	return tp_bind(&t->root, g, h, 1, 0);
}

/* /etc/hosts, /etc/resolv.conf and /etc/hostname: the host network's, as
 * the namespace engine writes them (rootfs.c), in files of priv. */
static int etc_files(struct tracer *t, const struct runner_spec *s, const char *priv)
{
	static const char *const names[3] = { "hosts", "resolv.conf", "hostname" };
	char *hh = read_file_at(AT_FDCWD, "/etc/hosts", 1 << 20, NULL);
	char *rv = read_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 20, NULL), line[300];
	char *hosts = net_hosts(hh, 0, s->hostname ? s->hostname : "localhost");
	snprintf(line, sizeof line, "%s\n", s->hostname ? s->hostname : "localhost");
	const char *text[3] = { hosts, rv ? rv : "", line };
	int rc = hosts ? 0 : -1;
	for (int i = 0; rc == 0 && i < 3; i++) {
		char h[PATH_MAX], g[64];
		snprintf(h, sizeof h, "%s/etc-%s", priv, names[i]);
		snprintf(g, sizeof g, "/etc/%s", names[i]);
		int fd = open(h, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		rc = fd >= 0 && write_full(fd, text[i], strlen(text[i])) == 0 ? 0 : -1;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			rc = tp_bind(&t->root, g, h, 1, 0);
	}
	free(hh), free(rv), free(hosts);
	return rc;
}

/* Where the private directories go: $XDG_RUNTIME_DIR where it is a tmpfs
 * (as /run/user/UID is), else the state dir. The namespace engine's are
 * tmpfs mounts; on a disk file system making and removing them costs each
 * launch journal writes (10 ms and more for /bin/true under I/O load). */
static const char *private_base(const struct runner_spec *s)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct statfs sf;
	if (x && x[0] == '/' && statfs(x, &sf) == 0 && sf.f_type == TMPFS_MAGIC && access(x, W_OK | X_OK) == 0)
		return x;
	return s->state_dir;
}

/* The binds: /proc, /dev and /sys the host's; /tmp, /var/tmp, /run, the
 * image's Volumes and --tmpfs private directories (a fresh dir under the
 * state dir, removed after the run); the /etc files; the volumes. */
static int binds(struct tracer *t, const struct runner_spec *s, char *priv, struct err *e)
{
	static const char *const own[] = { "/tmp", "/var/tmp", "/run" };
	char h[PATH_MAX];
	int n = 0;
	const char *base = private_base(s);
	if (base == s->state_dir && mkdir_p(s->state_dir, 0700) < 0)
		return err_sys(e, EXIT_SETUP, "create %s", s->state_dir);
	if (snprintf(priv, PATH_MAX, "%s/boxcar-trace-XXXXXX", base) >= PATH_MAX || !mkdtemp(priv))
		return err_sys(e, EXIT_SETUP, "create a private directory in %s", base);
	for (int i = 0; i < 3; i++)   /* (/tmp always; the others where the image has them) */
		if ((i == 0 || (tp_resolve(&t->root, own[i], 1, h) == TP_TREE && access(h, F_OK) == 0)) &&
		    private_dir(t, priv, n++, own[i], 1) < 0)
			return err_sys(e, EXIT_SETUP, "the private %s", own[i]);
	for (int i = 0; i < s->nmkdirs; i++)
		if (private_dir(t, priv, n++, s->mkdirs[i], 1) < 0)
			return err_sys(e, EXIT_SETUP, "the image's volume %s", s->mkdirs[i]);
	for (int i = 0; i < s->ntmpfs; i++)
		if (private_dir(t, priv, n++, s->tmpfs[i], 0) < 0)
			return err_sys(e, EXIT_SETUP, "--boxcar-tmpfs %s", s->tmpfs[i]);
	if (etc_files(t, s, priv) < 0)
		return err_sys(e, EXIT_SETUP, "the /etc files in %s", priv);
	int bad = tp_bind(&t->root, "/proc", "/proc", 1, 1) < 0 || tp_bind(&t->root, "/dev", "/dev", 1, 1) < 0 ||
		  tp_bind(&t->root, "/sys", "/sys", 1, 1) < 0;
	for (int i = 0; i < s->nvolumes; i++) {
		/* (a symlink as the bind's source is followed once, here, as mount does) */
		const char *src = realpath(s->volumes[i].host, h) ? h : s->volumes[i].host;
		bad |= tp_bind(&t->root, s->volumes[i].target, src, !s->volumes[i].readonly, 0) < 0;
	}
	return bad ? err_set(e, EXIT_SETUP, "the trace engine's binds: more than %d", TP_MAX_BINDS) : 0;
}

int trace_supported(void)
{
	return 1;
}

int trace_run(const struct runner_spec *s, struct err *e)
{
	struct tracer *t = calloc(1, sizeof *t);
	char priv[PATH_MAX] = "", prog[PATH_MAX], cwd[PATH_MAX];
	int go[2] = { -1, -1 }, rc = -1;
	if (!t)
		return err_set(e, EXIT_SETUP, "out of memory");
	t->uid = s->uid, t->gid = s->gid;
	t->ruid = getuid(), t->rgid = getgid();
	for (int i = 0; i < s->ngroups && t->ngroups < TRACE_NGROUPS; i++)
		t->groups[t->ngroups++] = s->groups[i];
	if (!s->flat || s->nlowers != 1 || !realpath(s->lowers[0], t->root.tree)) {
		err_set(e, EXIT_SETUP, "the trace engine runs on a flat root only");
		goto out;
	}
	t->root.ntree = strlen(t->root.tree);
	if (binds(t, s, priv, e) < 0)
		goto out;
	owner_devs(t);
	find_program(t, s->argv[0], s->envp, prog);
	if (!*prog) {
		err_set(e, EXIT_NOTFOUND, "exec %s: not found in the image's PATH", s->argv[0]);
		rc = EXIT_NOTFOUND;
		goto out;
	}
	if (tp_resolve(&t->root, s->cwd, 1, cwd) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		err_sys(e, EXIT_SETUP, "working directory %s", s->cwd);
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		err_sys(e, EXIT_SETUP, "fork");
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		child(go[0], t->uid == t->ruid && t->gid == t->rgid, s, cwd, prog);
	}
	close(go[0]), go[0] = -1;
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD;
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) < 0) {
		err_sys(e, EXIT_SETUP, "ptrace the app (the trace engine needs ptrace)");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	app_pid = pid, app_stop_signal = s->stop_signal;
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART }, old[6];
	static const int fwd[6] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (int i = 0; i < 6; i++)
		sigaction(fwd[i], &sa, &old[i]);
	if (write(go[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	rc = loop(t, pid);
	report_stops(t);
	for (int i = 0; i < 6; i++)
		sigaction(fwd[i], &old[i], NULL);
	app_pid = 0;
out:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (*priv)
		rmtree_at(AT_FDCWD, priv);
	for (size_t i = 0; i < t->ntracees; i++)   /* (what the app left behind, killed by EXITKILL) */
		free(t->tracees[i].exe), free(t->tracees[i].next_exe);
	tp_free(&t->root);
	free(t->tracees);
	free(t);
	return rc;
}

#else /* neither x86-64 nor arm64 (traceregs.c) */

int trace_supported(void)
{
	return 0;
}

int trace_run(const struct runner_spec *s, struct err *e)
{
	(void)s;
	return err_set(e, EXIT_SETUP, "the trace engine is not built for this architecture yet");
}

#endif
