/* The architectures boxcar makes files for, by their two names: OCI's
 * (image configs, --platform: "amd64", "arm64") and the kernel's (uname -m,
 * ELF: "x86_64", "aarch64"). A stub knows its own at compile time. */
#ifndef BOXCAR_ARCH_H
#define BOXCAR_ARCH_H

#if defined(__x86_64__)
#define ARCH_SELF "amd64"
#elif defined(__aarch64__)
#define ARCH_SELF "arm64"
#else
#error "boxcar builds for x86-64 and arm64 only (common/arch.h)"
#endif

/* The kernel's name for an OCI arch ("amd64" -> "x86_64"); NULL when
 * boxcar has no stub for it. */
const char *arch_kernel_name(const char *oci);
/* The OCI name for a kernel's (uname -m) name; NULL when unknown. */
const char *arch_oci_name(const char *kernel);
/* The ELF e_machine of an OCI arch (62, 183); 0 when unknown. */
int arch_elf_machine(const char *oci);
/* "linux/amd64, linux/arm64": the platforms boxcar has stubs for. */
#define ARCH_PLATFORMS "linux/amd64, linux/arm64"

struct err;
/* Does this host (uname -m) run file, whose stub is for oci? 0, or -1
 * with e (EXIT_SETUP): one line naming the file, both architectures and
 * the fix. (An emulator, binfmt_misc's qemu, reports the arch it emulates.) */
int arch_runs_here(const char *oci, const char *file, struct err *e);

#endif
