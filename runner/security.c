#include "security.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "filter.h"
#include "profile.h"
#include "seccomp_bpf.h"   /* generated: default_bpf */

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

int security_drop_bounding(const struct security *sec, struct err *e)
{
	/* up to the kernel's last capability: the first EINVAL */
	for (int c = 0; c < 64; c++)
		if (!(sec->caps & BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return err_sys(e, EXIT_SETUP, "drop capability %d from the bounding set", c);
		}
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

int security_prepare(struct security *sec, struct err *e)
{
	sec->filter = NULL;
	sec->program = NULL;
	if (sec->seccomp && sec->profile) {
		sec->filter = profile_build(sec->profile, sec->profile_len, sec->caps,
					    sec->fakeroot ? filter_fakeroot_rules : NULL, e);
		return sec->filter ? 0 : err_ctx(e, "seccomp profile %s", sec->profile_name);
	}
	/* as in Docker, CAP_SYS_ADMIN lifts the mount/namespace rules (here:
	 * all of them); unconfined means none, fakeroot's aside */
	int lifted = !sec->seccomp || (sec->caps & BIT(21));
	if (sec->seccomp || sec->fakeroot)
		sec->program = &default_bpf[!!sec->fakeroot][lifted];
	return 0;
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
	} else if (sec->program && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, sec->program, 0, 0) < 0)
		rc = -errno;
	if (rc < 0)
		return errno = -rc, err_sys(e, EXIT_SETUP, "load the seccomp filter");
	return limit_caps(sec->caps, e);
}
