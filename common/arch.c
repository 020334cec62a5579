#include "arch.h"

#include <stddef.h>
#include <string.h>

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
