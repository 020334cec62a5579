#include "filter.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* What Docker's default profile refuses (its allowlist, inverted for the
 * calls that exist on x86-64/arm64), unless CAP_SYS_ADMIN & co are added.
 * ptrace and process_vm_readv/writev are allowed, as Docker does on Linux
 * >= 4.8 (every kernel boxcar runs on): they pass the kernel's ptrace check,
 * which keeps boxcar's own processes out of reach, and MPI's single-copy
 * transfers between a node's ranks (UCX's CMA) need them. */
static const char *const denied[] = {
	"acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
	"delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
	"get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp",
	"kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount",
	"mount_setattr", "move_mount", "move_pages", "name_to_handle_at", "nfsservctl",
	"open_by_handle_at", "open_tree", "perf_event_open", "pivot_root", "query_module",
	"quotactl", "quotactl_fd", "reboot", "request_key", "set_mempolicy", "setns",
	"settimeofday", "stime", "swapoff",
	"swapon", "sysfs", "_sysctl", "umount", "umount2", "unshare", "uselib",
	"userfaultfd", "ustat", "vm86", "vm86old", "syslog",
};

/* --boxcar-fakeroot, as enroot and Charliecloud do: with one id mapped,
 * package managers fail changing owners and dropping privileges; these
 * calls then "succeed" (return 0) and change nothing. */
static const char *const faked[] = {
	"chown", "fchown", "lchown", "fchownat", "setuid", "setgid", "setreuid", "setregid",
	"setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid",
};

static int add_rules(scmp_filter_ctx ctx, const char *const *names, size_t n, uint32_t action)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, action, nr, 0);
	}
	return rc;
}

int filter_fakeroot_rules(scmp_filter_ctx ctx)
{
	return add_rules(ctx, faked, sizeof faked / sizeof faked[0], SCMP_ACT_ERRNO(0));
}

scmp_filter_ctx filter_default(uint32_t arch, int fakeroot, int lifted)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);   /* bad arch: kill */
	if (!ctx)
		return NULL;
	/* another arch than the native one: the filter checks for it alone,
	 * and the rules (named calls) take its numbers */
	int rc = 0;
	if (arch && arch != seccomp_arch_native()) {
		rc = seccomp_arch_add(ctx, arch);
		if (rc == 0)
			rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	}
	/* a binary tree of syscall numbers, not a chain: every allowed call
	 * (nearly all of them) runs ~7 comparisons instead of one per rule */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0 && fakeroot)
		rc = filter_fakeroot_rules(ctx);
	if (rc == 0 && !lifted)
		rc = add_rules(ctx, denied, sizeof denied / sizeof denied[0], SCMP_ACT_ERRNO(EPERM));
	/* new namespaces via clone need CAP_SYS_ADMIN under Docker's profile
	 * too; clone3 (flags in memory, not filterable) answers ENOSYS so
	 * that libcs fall back to clone */
	static const uint64_t ns_flags[] = { 0x00020000, 0x04000000, 0x08000000, 0x10000000,
					     0x20000000, 0x40000000, 0x02000000 };
	for (size_t i = 0; rc == 0 && !lifted && i < sizeof ns_flags / sizeof ns_flags[0]; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	if (rc == 0 && !lifted)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0) {
		seccomp_release(ctx);
		return errno = -rc, NULL;
	}
	return ctx;
}

