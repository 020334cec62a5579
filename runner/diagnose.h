/* Why a container cannot start here, and the admin's fix: the one place
 * that traces a failed namespace or mount to its cause. Both `boxcar
 * doctor` (after its probes) and the launch (after a real failure, never
 * on success: a launch that works pays nothing) ask it, so the two name
 * the same cause in the same words.
 *
 * Causes told apart, and how:
 *   a parent namespace's limit  ENOSPC while this process is already in a
 *                               user namespace (bwrap --disable-userns)
 *   this namespace's limit      ENOSPC, user.max_user_namespaces 0 or used up
 *   Debian's sysctl             EPERM, kernel.unprivileged_userns_clone = 0
 *   a seccomp filter            the call fails even with arguments the kernel
 *                               itself would reject with EINVAL/EFAULT: the
 *                               filter answered, not the kernel (Docker)
 *   Ubuntu's AppArmor           EPERM/EACCES on mounts (or unshare) with
 *                               kernel.apparmor_restrict_unprivileged_userns = 1
 *   an old kernel               overlayfs refused on Linux < 5.11
 * Only libc and common/err.h are used (tests/helpers/diagnose.c links it
 * alone to test each cause's text). */
#ifndef BOXCAR_DIAGNOSE_H
#define BOXCAR_DIAGNOSE_H
#include <stddef.h>
#include "../common/err.h"

/* What failed. */
enum diag_step {
	DIAG_USERNS,    /* creating (or entering) a user namespace */
	DIAG_MOUNT,     /* any mount inside the new user+mount namespace */
	DIAG_OVERLAY,   /* overlayfs mounted there */
};

enum diag_cause {
	CAUSE_UNKNOWN,
	CAUSE_NS_PARENT,     /* nested: a parent namespace allows no more */
	CAUSE_NS_LIMIT,      /* this namespace's user.max_user_namespaces */
	CAUSE_NS_DEPTH,      /* 32 nested user namespaces (EUSERS) */
	CAUSE_NO_USERNS,     /* a kernel without CONFIG_USER_NS */
	CAUSE_DEBIAN,        /* kernel.unprivileged_userns_clone = 0 */
	CAUSE_SECCOMP,       /* a seccomp filter denies the call */
	CAUSE_APPARMOR,      /* Ubuntu's restriction on unprivileged user namespaces */
	CAUSE_MOUNT_DENIED,  /* some other security module denies mounting */
	CAUSE_OLD_KERNEL,    /* overlayfs in user namespaces needs Linux 5.11 */
	CAUSE_NO_OVERLAY,    /* no overlayfs in this kernel (ENODEV) */
};

/* What is known of the host where the failure was seen. -1: unknown or absent. */
struct diag_facts {
	int seccomp;              /* Seccomp: in /proc/self/status (0, 1, 2) */
	int seccomp_userns;       /* 1: a filter answers unshare/clone(CLONE_NEWUSER) */
	int seccomp_mount;        /* 1: a filter answers mount(2) */
	int userns_clone;         /* kernel.unprivileged_userns_clone (Debian) */
	int apparmor;             /* kernel.apparmor_restrict_unprivileged_userns (Ubuntu) */
	long max_userns;          /* user.max_user_namespaces, as this namespace sees it */
	int nested;               /* in a user namespace other than the first */
	int root;                 /* euid 0 */
	int kmajor, kminor;       /* the running kernel's release */
	char self[512];           /* this file's path (for the AppArmor profile) */
};

struct diagnosis {
	enum diag_step step;
	int sys;                  /* the errno of the failed call */
	enum diag_cause cause;
	char why[400];            /* the cause, in words */
	char fix[900];            /* the exact fix, "" when none is known */
};

/* Read the facts of this process and host (a few /proc files; two calls
 * made to fail on purpose to see whether a seccomp filter answers). */
void diag_facts_read(struct diag_facts *f);
/* Decide the cause of `step` failing with errno `sys`, given f. Pure. */
void diag_decide(enum diag_step step, int sys, const struct diag_facts *f, struct diagnosis *d);
/* diag_facts_read, then diag_decide. */
void diagnose(enum diag_step step, int sys, struct diagnosis *d);
/* "cannot create a user namespace (ENOSPC): WHY; fix: FIX" into buf. */
void diag_message(const struct diagnosis *d, char *buf, size_t len);
/* Set e (EXIT_SETUP) to "WHAT: " + diag_message of diagnosing `step`
 * failing with errno `sys`. Returns -1. */
int diag_fail(struct err *e, enum diag_step step, int sys, const char *what);

#endif
