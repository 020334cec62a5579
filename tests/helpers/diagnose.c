/* diagnose: runner/diagnose.c's choice of cause and fix, for facts given
 * on the command line (a host's sysctls and kernel cannot be changed by a
 * test; this shows what boxcar says on each).
 *
 *   diagnose userns|mount|overlay ERRNO [FACT=VALUE...]
 *
 * ERRNO: EPERM, EACCES, ENOSPC, EINVAL, ENODEV or a number. FACTs (else a
 * plain host: no filter, no Debian or Ubuntu switch, limit 15000, the
 * first namespace, not root, Linux 6.1, /opt/app): seccomp_userns,
 * seccomp_mount, userns_clone, apparmor, max, nested, root (numbers),
 * kernel=MAJOR.MINOR, self=PATH. Prints the message boxcar would print
 * after "WHAT: ". Built by the tests with `cc` with runner/diagnose.c and
 * common/err.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../runner/diagnose.h"

static int errno_of(const char *s)
{
	static const struct { const char *name; int sys; } names[] = {
		{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSPC", ENOSPC }, { "EINVAL", EINVAL },
		{ "ENODEV", ENODEV }, { "EUSERS", EUSERS }, { "ENOSYS", ENOSYS },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i].name, s))
			return names[i].sys;
	return atoi(s);
}

static int fact(struct diag_facts *f, const char *kv)
{
	const char *v = strchr(kv, '=');
	if (!v)
		return -1;
	size_t n = (size_t)(v++ - kv);
	struct { const char *name; int *p; } ints[] = {
		{ "seccomp_userns", &f->seccomp_userns }, { "seccomp_mount", &f->seccomp_mount },
		{ "userns_clone", &f->userns_clone }, { "apparmor", &f->apparmor }, { "nested", &f->nested },
		{ "root", &f->root },
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
		if (strlen(ints[i].name) == n && !strncmp(kv, ints[i].name, n))
			return *ints[i].p = atoi(v), 0;
	if (!strncmp(kv, "max=", 4))
		return f->max_userns = atol(v), 0;
	if (!strncmp(kv, "kernel=", 7))
		return sscanf(v, "%d.%d", &f->kmajor, &f->kminor) == 2 ? 0 : -1;
	if (!strncmp(kv, "self=", 5))
		return snprintf(f->self, sizeof f->self, "%s", v), 0;
	return -1;
}

int main(int argc, char **argv)
{
	struct diag_facts f = { .seccomp = 0, .userns_clone = -1, .apparmor = -1, .max_userns = 15000,
				.kmajor = 6, .kminor = 1, .self = "/opt/app" };
	struct diagnosis d;
	char msg[2048];
	if (argc < 3) {
		fprintf(stderr, "usage: diagnose userns|mount|overlay ERRNO [FACT=VALUE...]\n");
		return 2;
	}
	enum diag_step step = !strcmp(argv[1], "userns") ? DIAG_USERNS : !strcmp(argv[1], "mount") ? DIAG_MOUNT
			      : DIAG_OVERLAY;
	for (int i = 3; i < argc; i++)
		if (fact(&f, argv[i]) < 0) {
			fprintf(stderr, "diagnose: bad fact '%s'\n", argv[i]);
			return 2;
		}
	diag_decide(step, errno_of(argv[2]), &f, &d);
	diag_message(&d, msg, sizeof msg);
	printf("%s\n", msg);
	return 0;
}
