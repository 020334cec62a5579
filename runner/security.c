#include "security.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "profile.h"

static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define NCAPS (int)(sizeof cap_names / sizeof cap_names[0])
#define BIT(n) (1ULL << (n))

/* CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
 * NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP */
const uint64_t security_default_caps = BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) |
	BIT(7) | BIT(8) | BIT(10) | BIT(13) | BIT(18) | BIT(27) | BIT(29) | BIT(31);

uint64_t security_cap_mask(const char *name)
{
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	if (!strcasecmp(name, "ALL"))
		return ~0ULL;
	for (int i = 0; i < NCAPS; i++)
		if (!strcasecmp(name, cap_names[i]))
			return BIT(i);
	return 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = NCAPS - 1;
	if (f) {
		if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
			n = NCAPS - 1;
		fclose(f);
	}
	return n;
}

int security_drop_bounding(const struct security *sec, struct err *e)
{
	for (int c = 0, last = last_cap(); c <= last; c++)
		if (!(sec->caps & BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_sys(e, EXIT_SETUP, "drop capability %d from the bounding set", c);
	return 0;
}

/* capset(2) with our own copies of the v3 structures */
struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

static int limit_caps(uint64_t keep, struct err *e)
{
	struct cap_header h = { 0x20080522, 0 };
	struct cap_data d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return err_sys(e, EXIT_SETUP, "capget");
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));
		d[i].effective &= k, d[i].permitted &= k, d[i].inheritable &= k;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return err_sys(e, EXIT_SETUP, "capset");
	return 0;
}

/* What Docker's default profile refuses (its allowlist, inverted for the
 * calls that exist on x86-64/arm64), unless CAP_SYS_ADMIN & co are added. */
static const char *const denied[] = {
	"acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
	"delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
	"get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp",
	"kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount",
	"mount_setattr", "move_mount", "move_pages", "name_to_handle_at", "nfsservctl",
	"open_by_handle_at", "open_tree", "perf_event_open", "pivot_root", "process_vm_readv",
	"process_vm_writev", "query_module", "quotactl", "quotactl_fd", "reboot",
	"request_key", "set_mempolicy", "setns", "settimeofday", "stime", "swapoff",
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

static int fakeroot_rules(scmp_filter_ctx ctx)
{
	return add_rules(ctx, faked, sizeof faked / sizeof faked[0], SCMP_ACT_ERRNO(0));
}

static scmp_filter_ctx default_filter(const struct security *sec, struct err *e)
{
	/* as in Docker, CAP_SYS_ADMIN lifts the mount/namespace rules (here:
	 * all of them); unconfined means none, fakeroot's aside */
	int lifted = !sec->seccomp || (sec->caps & BIT(21));
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);   /* bad arch: kill */
	if (!ctx)
		return err_set(e, EXIT_SETUP, "seccomp_init failed"), NULL;
	int rc = sec->fakeroot ? fakeroot_rules(ctx) : 0;
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
		return errno = -rc, err_sys(e, EXIT_SETUP, "build the seccomp filter"), NULL;
	}
	return ctx;
}

int security_prepare(struct security *sec, struct err *e)
{
	sec->filter = NULL;
	if (sec->seccomp && sec->profile) {
		sec->filter = profile_build(sec->profile, sec->profile_len, sec->caps,
					    sec->fakeroot ? fakeroot_rules : NULL, e);
		return sec->filter ? 0 : err_ctx(e, "seccomp profile %s", sec->profile_name);
	}
	if (sec->seccomp || sec->fakeroot)
		sec->filter = default_filter(sec, e);
	return (sec->seccomp || sec->fakeroot) && !sec->filter ? -1 : 0;
}

void security_release(struct security *sec)
{
	if (sec->filter)
		seccomp_release(sec->filter);
	sec->filter = NULL;
}

/* The effective set back to the permitted one (cleared by setresuid to a
 * non-root user, even with PR_SET_KEEPCAPS). */
static int raise_effective(struct err *e)
{
	struct cap_header h = { 0x20080522, 0 };
	struct cap_data d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return err_sys(e, EXIT_SETUP, "capget");
	d[0].effective = d[0].permitted, d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return err_sys(e, EXIT_SETUP, "capset");
	return 0;
}

int security_clear_caps(struct err *e)
{
	return limit_caps(0, e);
}

int security_apply(const struct security *sec, struct err *e)
{
	/* Like runc: without no_new_privs, loading the filter takes
	 * CAP_SYS_ADMIN, so it goes in before the capabilities are limited. */
	if (raise_effective(e) < 0)
		return -1;
	if (sec->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, EXIT_SETUP, "set no_new_privs");
	int rc = 0;
	if (sec->filter) {
		rc = seccomp_attr_set(sec->filter, SCMP_FLTATR_CTL_NNP, 0);   /* libseccomp would set it */
		if (rc == 0)
			rc = seccomp_load(sec->filter);
	}
	if (rc < 0)
		return errno = -rc, err_sys(e, EXIT_SETUP, "load the seccomp filter");
	return limit_caps(sec->caps, e);
}
