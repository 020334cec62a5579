#include "arch.h"

#include <stddef.h>
#include <string.h>
#include <sys/utsname.h>
#include "err.h"

static const struct {
	const char *oci, *kernel;
	int elf;
} arches[] = {
	{ "amd64", "x86_64", 62 },
	{ "arm64", "aarch64", 183 },
};
#define N_ARCHES (sizeof arches / sizeof arches[0])

const char *arch_kernel_name(const char *oci)
{
	for (size_t i = 0; oci && i < N_ARCHES; i++)
		if (!strcmp(oci, arches[i].oci))
			return arches[i].kernel;
	return NULL;
}

const char *arch_oci_name(const char *kernel)
{
	for (size_t i = 0; kernel && i < N_ARCHES; i++)
		if (!strcmp(kernel, arches[i].kernel))
			return arches[i].oci;
	return NULL;
}

int arch_elf_machine(const char *oci)
{
	for (size_t i = 0; oci && i < N_ARCHES; i++)
		if (!strcmp(oci, arches[i].oci))
			return arches[i].elf;
	return 0;
}

int arch_runs_here(const char *oci, const char *file, struct err *e)
{
	struct utsname u;
	const char *mine = arch_kernel_name(oci), *host;
	if (uname(&u) < 0)
		return err_sys(e, EXIT_SETUP, "uname");
	if (mine && !strcmp(u.machine, mine))
		return 0;
	if ((host = arch_oci_name(u.machine)))
		return err_set(e, EXIT_SETUP, "%s is for linux/%s hosts (its stub is %s) and this one is %s: run it on "
			       "a linux/%s host, or pack the image again with --platform linux/%s",
			       file, oci, mine ? mine : oci, u.machine, oci, host);
	return err_set(e, EXIT_SETUP, "%s is for linux/%s hosts (its stub is %s) and this one says it is %s: run it "
		       "on a linux/%s host, outside setarch/linux32", file, oci, mine ? mine : oci, u.machine, oci);
}
