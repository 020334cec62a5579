/* The cause of a failed namespace or mount, and its fix (diagnose.h). */
#include "diagnose.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* The start of a small /proc file as a string; "" when unreadable. */
static void read_small(const char *path, char *buf, size_t len)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
}

/* A number-valued /proc file; -1 when absent (the sysctl does not exist
 * on this kernel) or not a number. */
static long read_number(const char *path)
{
	char buf[64], *end;
	read_small(path, buf, sizeof buf);
	long v = strtol(buf, &end, 10);
	return end == buf ? -1 : v;
}

static int seccomp_mode(void)
{
	char buf[4096];
	read_small("/proc/self/status", buf, sizeof buf);
	char *p = strstr(buf, "\nSeccomp:");
	return p ? atoi(p + 9) : -1;
}

/* The first user namespace maps every id onto itself; any other is a
 * sandbox's or container's, whose own parent may hold the limits. */
static int nested_userns(void)
{
	char buf[256];
	unsigned long in, out, count;
	read_small("/proc/self/uid_map", buf, sizeof buf);
	if (!*buf)
		return -1;
	char *nl = strchr(buf, '\n');
	int one_line = !nl || !nl[1];
	int whole = one_line && sscanf(buf, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0 && out == 0 &&
		    count == 4294967295UL;
	return !whole;
}

/* Did a seccomp filter answer? Each call carries flags or an address the
 * kernel rejects before any permission check (EINVAL, EFAULT), so any
 * other answer came from a filter. Asked only of a process that has one. */
static int filter_answers_userns(void)
{
	long rc = syscall(SYS_unshare, CLONE_NEWUSER | CLONE_VFORK);   /* no such unshare */
	if (rc < 0 && errno != EINVAL)
		return 1;
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);   /* (a kernel that took it after all: nothing to do) */
	if (pid > 0)
		return waitpid(pid, NULL, 0), 0;
	return errno != EINVAL;
}

static int filter_answers_mount(void)
{
	return syscall(SYS_mount, NULL, NULL, (const char *)1, 0, NULL) < 0 && errno != EFAULT;
}

void diag_facts_read(struct diag_facts *f)
{
	struct utsname u;
	memset(f, 0, sizeof *f);
	f->seccomp = seccomp_mode();
	int filtered = f->seccomp == 2;
	f->seccomp_userns = filtered ? filter_answers_userns() : 0;
	f->seccomp_mount = filtered ? filter_answers_mount() : 0;
	f->userns_clone = (int)read_number("/proc/sys/kernel/unprivileged_userns_clone");
	f->apparmor = (int)read_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	f->max_userns = read_number("/proc/sys/user/max_user_namespaces");
	f->nested = nested_userns();
	f->root = geteuid() == 0;
	f->kmajor = f->kminor = -1;
	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &f->kmajor, &f->kminor) != 2)
		f->kmajor = f->kminor = -1;
	ssize_t n = readlink("/proc/self/exe", f->self, sizeof f->self - 1);
	f->self[n > 0 ? n : 0] = 0;
}

static const char *errno_name(int sys)
{
	static const struct { int sys; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { EACCES, "EACCES" }, { ENOSPC, "ENOSPC" }, { EINVAL, "EINVAL" },
		{ ENOSYS, "ENOSYS" }, { ENODEV, "ENODEV" }, { EUSERS, "EUSERS" }, { ENOMEM, "ENOMEM" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOENT, "ENOENT" }, { EBUSY, "EBUSY" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].sys == sys)
			return names[i].name;
	return NULL;
}

/* The profile that lets this one file make user namespaces that mount,
 * as Ubuntu documents it, ready to paste: the restriction stays on for
 * every other program. A path the shell or AppArmor would read otherwise
 * is replaced by a placeholder to fill in. */
static void apparmor_fix(const char *self, char *fix, size_t len)
{
	char name[64];
	const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
	int plain = *self == '/' && strlen(self) < 300 && !strpbrk(self, "'\"\\%\n");
	size_t k = 0;
	for (const char *p = plain ? base : "FILE"; *p && k < sizeof name - 1; p++)
		name[k++] = (char)(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p)
				   ? *p : '-');
	name[k] = 0;
	snprintf(fix, len, "an admin can allow this file alone (the restriction stays on for the rest) with an "
		 "AppArmor profile: `printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile boxcar-%s \"%s\" "
		 "flags=(unconfined) {\\n  userns,\\n}\\n' | sudo tee /etc/apparmor.d/boxcar-%s && "
		 "sudo apparmor_parser -r /etc/apparmor.d/boxcar-%s`", name, plain ? self : "/path/to/FILE", name, name);
}

static void set(struct diagnosis *d, enum diag_cause cause, const char *why, const char *fix)
{
	d->cause = cause;
	snprintf(d->why, sizeof d->why, "%s", why);
	snprintf(d->fix, sizeof d->fix, "%s", fix);
}

static void apparmor_cause(enum diag_step step, const char *self, struct diagnosis *d)
{
	set(d, CAUSE_APPARMOR, step == DIAG_USERNS
	    ? "Ubuntu's AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)"
	    : "Ubuntu's AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1): "
	      "the namespace is made, but may not mount", "");
	apparmor_fix(self, d->fix, sizeof d->fix);
}

static void seccomp_cause(enum diag_step step, struct diagnosis *d)
{
	set(d, CAUSE_SECCOMP, "a seccomp filter on this process denies it (in Docker, its default profile)",
	    step == DIAG_USERNS
	    ? "run the container with `--security-opt seccomp=unconfined`, or a seccomp profile that allows "
	      "unshare and clone with CLONE_NEWUSER, or run the file on the host"
	    : "run the container with `--security-opt seccomp=unconfined` (where AppArmor runs, also "
	      "`--security-opt apparmor=unconfined`), or a seccomp profile that allows mount, fsopen, fsconfig, "
	      "fsmount, move_mount and open_tree, or run the file on the host");
}

/* Denied, and not by a filter: Ubuntu's restriction where it is on, else
 * a policy that names itself only in the audit log (SELinux, a runtime's). */
static void policy_cause(enum diag_step step, const struct diag_facts *f, struct diagnosis *d)
{
	if (f->apparmor == 1)
		return apparmor_cause(step, f->self, d);
	if (step == DIAG_USERNS)
		return set(d, CAUSE_UNKNOWN, "this host's security policy (an LSM such as SELinux, or a container "
			   "runtime) denies user namespaces to this process", "ask the admin to allow unprivileged user "
			   "namespaces for this file (the audit log or `dmesg` names the rule)");
	set(d, CAUSE_MOUNT_DENIED, "a security module (AppArmor, SELinux) or a container runtime's policy "
	    "confines this process", "ask the admin to allow mounts in user namespaces for this file (the audit "
	    "log or `dmesg` names the rule)");
}

static void limit_cause(const struct diag_facts *f, struct diagnosis *d)
{
	char why[400], fix[400];
	if (f->max_userns == 0)
		return set(d, CAUSE_NS_LIMIT, "user.max_user_namespaces is 0 in this namespace: user namespaces are off",
			   "an admin can run `sysctl -w user.max_user_namespaces=15000` (and keep it with "
			   "`echo user.max_user_namespaces=15000 > /etc/sysctl.d/userns.conf`)");
	if (f->nested == 1)
		return set(d, CAUSE_NS_PARENT, "this process runs inside a user namespace (a sandbox or container) "
			   "whose parent namespace allows no more: its user.max_user_namespaces is used up, as "
			   "`bwrap --disable-userns` leaves it",
			   "run the file outside that sandbox, or start the sandbox so that it allows nested user "
			   "namespaces (bwrap without --disable-userns; user.max_user_namespaces above 1 in its parent)");
	snprintf(why, sizeof why, "all %ld user namespaces that user.max_user_namespaces allows are in use", f->max_userns);
	snprintf(fix, sizeof fix, "an admin can raise the limit: `sysctl -w user.max_user_namespaces=%ld`",
		 f->max_userns > 0 ? 2 * f->max_userns : 15000);
	set(d, CAUSE_NS_LIMIT, why, fix);
}

static void userns_cause(int sys, const struct diag_facts *f, struct diagnosis *d)
{
	int denied = sys == EPERM || sys == EACCES;
	if (denied && f->userns_clone == 0 && !f->root)
		return set(d, CAUSE_DEBIAN, "kernel.unprivileged_userns_clone is 0 (Debian's switch): only root may "
			   "make user namespaces", "an admin can run `sysctl -w kernel.unprivileged_userns_clone=1` (and "
			   "keep it with `echo kernel.unprivileged_userns_clone=1 > /etc/sysctl.d/userns.conf`)");
	if (f->seccomp_userns == 1)
		return seccomp_cause(DIAG_USERNS, d);
	if (sys == ENOSPC)
		return limit_cause(f, d);
	if (sys == EUSERS)
		return set(d, CAUSE_NS_DEPTH, "user namespaces are nested 32 deep here, the kernel's limit",
			   "run the file from a less deeply nested sandbox");
	if (sys == EINVAL || sys == ENOSYS)
		return set(d, CAUSE_NO_USERNS, "this kernel has no user namespaces (built without CONFIG_USER_NS)",
			   "an admin must boot a kernel built with CONFIG_USER_NS=y");
	if (denied)
		return policy_cause(DIAG_USERNS, f, d);
	set(d, CAUSE_UNKNOWN, strerror(sys), "");
}

static void mount_cause(enum diag_step step, int sys, const struct diag_facts *f, struct diagnosis *d)
{
	int denied = sys == EPERM || sys == EACCES;
	char why[400];
	if (denied && f->seccomp_mount == 1)
		return seccomp_cause(step, d);
	if (step == DIAG_OVERLAY && f->kmajor >= 0 && (f->kmajor < 5 || (f->kmajor == 5 && f->kminor < 11))) {
		snprintf(why, sizeof why, "Linux %d.%d: overlayfs mounts in user namespaces need Linux 5.11 or later",
			 f->kmajor, f->kminor);
		return set(d, CAUSE_OLD_KERNEL, why, "an admin can install Linux 5.11 or later");
	}
	if (denied)
		return policy_cause(step, f, d);
	if (step == DIAG_OVERLAY && sys == ENODEV)
		return set(d, CAUSE_NO_OVERLAY, "this kernel has no overlayfs (the module is not loaded)",
			   "an admin can run `modprobe overlay` (and keep it with "
			   "`echo overlay > /etc/modules-load.d/overlay.conf`)");
	set(d, CAUSE_UNKNOWN, strerror(sys), "");
}

void diag_decide(enum diag_step step, int sys, const struct diag_facts *f, struct diagnosis *d)
{
	memset(d, 0, sizeof *d);
	d->step = step;
	d->sys = sys;
	if (step == DIAG_USERNS)
		userns_cause(sys, f, d);
	else
		mount_cause(step, sys, f, d);
}

void diagnose(enum diag_step step, int sys, struct diagnosis *d)
{
	struct diag_facts f;
	diag_facts_read(&f);
	diag_decide(step, sys, &f, d);
}

void diag_message(const struct diagnosis *d, char *buf, size_t len)
{
	int denied = d->sys == EPERM || d->sys == EACCES;
	const char *what = d->step == DIAG_USERNS ? "cannot create a user namespace"
		: d->step == DIAG_OVERLAY ? "cannot mount overlayfs in the user namespace"
		: denied ? "mounting is denied in the user namespace" : "cannot mount in the user namespace";
	const char *name = errno_name(d->sys);
	char num[32] = "";
	if (d->sys && !name)
		snprintf(num, sizeof num, " (errno %d)", d->sys);
	else if (d->sys)
		snprintf(num, sizeof num, " (%s)", name);
	snprintf(buf, len, "%s%s: %s%s%s", what, num, d->why, *d->fix ? "; fix: " : "", d->fix);
}

int diag_fail(struct err *e, enum diag_step step, int sys, const char *what)
{
	struct diagnosis d;
	char msg[sizeof e->msg];
	diagnose(step, sys, &d);
	diag_message(&d, msg, sizeof msg);
	err_set(e, EXIT_SETUP, "%s: %s", what, msg);
	e->sys = sys;
	if (step != DIAG_OVERLAY)   /* (--boxcar-engine=auto then takes the trace engine) */
		e->kind = ERR_NAMESPACE;
	return -1;
}
