/* deny: run a command under a seccomp filter that makes chosen system
 * calls fail with a chosen errno, as a host's policy would (Docker's
 * default profile denies unshare and namespace flags to clone; Ubuntu's
 * AppArmor lets unshare work and denies the mounts after it).
 *
 *   deny SPEC[,SPEC...] -- CMD [ARGS...]
 *
 * SPEC is a named set or one rule:
 *   userns-eperm   unshare and clone with CLONE_NEWUSER -> EPERM, clone3 ->
 *                  ENOSYS (its flags are in memory, out of a filter's reach;
 *                  libcs then fall back to clone, as under Docker)
 *   mount-eacces   mount, umount2, fsopen, fsconfig, fsmount, move_mount,
 *                  open_tree, mount_setattr, pivot_root -> EACCES
 *   mount-eperm    the same calls -> EPERM
 *   NAME=ERRNO     the system call NAME (see `calls` below) -> ERRNO (a
 *                  name such as EPERM, or a number), whatever its arguments
 * Sets no_new_privs (needed for an unprivileged filter): setuid programs
 * such as newuidmap gain nothing under it. Filters stack: the command
 * cannot lift them. Built by the tests with `cc` (tests/README.md). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* CLONE_NEWUSER */
#endif
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "deny: add this architecture's AUDIT_ARCH"
#endif

struct rule {
	long nr;
	int sys;
	unsigned mask;   /* nonzero: only when the first argument has one of these bits */
};

#define CALL(n) { #n, SYS_##n }
static const struct { const char *name; long nr; } calls[] = {
	CALL(unshare), CALL(clone), CALL(clone3), CALL(setns), CALL(mount), CALL(umount2),
	CALL(fsopen), CALL(fsconfig), CALL(fsmount), CALL(fspick), CALL(move_mount), CALL(open_tree),
	CALL(mount_setattr), CALL(pivot_root), CALL(chroot), CALL(ptrace), CALL(seccomp),
};
static const char *const mounts[] = {
	"mount", "umount2", "fsopen", "fsconfig", "fsmount", "move_mount", "open_tree", "mount_setattr", "pivot_root",
};

static struct rule rules[64];
static int nrules;

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "deny: %s '%s' (see tests/helpers/deny.c)\n", what, arg);
	exit(2);
}

static long call_nr(const char *name)
{
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		if (!strcmp(calls[i].name, name))
			return calls[i].nr;
	die("unknown system call", name);
	return -1;
}

static int errno_of(const char *s)
{
	static const struct { const char *name; int sys; } names[] = {
		{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSPC", ENOSPC }, { "ENOSYS", ENOSYS },
		{ "EINVAL", EINVAL }, { "ENODEV", ENODEV }, { "EUSERS", EUSERS },
	};
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end && v > 0 && v < 4096)
		return (int)v;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i].name, s))
			return names[i].sys;
	die("unknown errno", s);
	return 0;
}

static void add(long nr, int sys, unsigned mask)
{
	if (nrules == (int)(sizeof rules / sizeof rules[0]))
		die("too many rules at", "");
	rules[nrules++] = (struct rule){ nr, sys, mask };
}

static void add_spec(char *spec)
{
	char *eq = strchr(spec, '=');
	if (!strcmp(spec, "userns-eperm")) {
		add(SYS_unshare, EPERM, CLONE_NEWUSER);
		add(SYS_clone, EPERM, CLONE_NEWUSER);
		add(SYS_clone3, ENOSYS, 0);
	} else if (!strcmp(spec, "mount-eacces") || !strcmp(spec, "mount-eperm")) {
		int sys = !strcmp(spec, "mount-eacces") ? EACCES : EPERM;
		for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++)
			add(call_nr(mounts[i]), sys, 0);
	} else if (eq) {
		*eq = 0;
		add(call_nr(spec), errno_of(eq + 1), 0);
	} else
		die("unknown spec", spec);
}

/* The filter: a foreign architecture's calls pass (none are made here);
 * each rule reloads the call's number, so rules need no shared state. */
static int install(void)
{
	struct sock_filter f[4 + 5 * 64];
	int k = 0;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	for (int i = 0; i < nrules; i++) {
		const struct rule *r = &rules[i];
		f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)r->nr, 0, r->mask ? 3 : 1);
		if (r->mask) {   /* (the low word of args[0]: little-endian) */
			f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
			f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, r->mask, 0, 1);
		}
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)r->sys);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = (unsigned short)k, .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return perror("deny: prctl(PR_SET_NO_NEW_PRIVS)"), -1;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return perror("deny: seccomp(SECCOMP_SET_MODE_FILTER)"), -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: deny SPEC[,SPEC...] -- CMD [ARGS...]\n"
			"  SPEC: userns-eperm | mount-eacces | mount-eperm | SYSCALL=ERRNO\n");
		return 2;
	}
	for (char *save = NULL, *spec = strtok_r(argv[1], ",", &save); spec; spec = strtok_r(NULL, ",", &save))
		add_spec(spec);
	if (install() < 0)
		return 125;
	execvp(argv[3], argv + 3);
	fprintf(stderr, "deny: cannot run %s: %s\n", argv[3], strerror(errno));
	return 127;
}
