#include "stubs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/arch.h"
#include "../common/json.h"
#include "../common/xio.h"
#include "../pack/image.h"

extern const unsigned char boxcar_stub_start[], boxcar_stub_end[];

/* stub-ARCH in the directory of the running boxcar */
static int beside_me(const char *arch, char *path, size_t size, struct err *e)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return err_sys(e, EXIT_PACK, "cannot find where boxcar is (/proc/self/exe)");
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (!slash)
		return err_set(e, EXIT_PACK, "cannot find where boxcar is (/proc/self/exe: %s)", self);
	*slash = 0;
	if ((size_t)snprintf(path, size, "%s/stub-%s", self, arch) >= size)
		return err_set(e, EXIT_PACK, "path too long: %s/stub-%s", self, arch);
	return 0;
}

/* a static ELF for arch's machine, 64-bit little-endian */
static int is_stub_for(const unsigned char *b, size_t n, const char *arch)
{
	Elf64_Ehdr h;
	if (n < sizeof h)
		return 0;
	memcpy(&h, b, sizeof h);
	return !memcmp(h.e_ident, ELFMAG, SELFMAG) && h.e_ident[EI_CLASS] == ELFCLASS64 &&
	       h.e_ident[EI_DATA] == ELFDATA2LSB && h.e_type == ET_EXEC && h.e_machine == arch_elf_machine(arch);
}

int stub_select(const char *platform, struct writer_opts *wo, struct err *e)
{
	const char *arch;
	char path[PATH_MAX];
	wo->stub = boxcar_stub_start;
	wo->stub_len = (size_t)(boxcar_stub_end - boxcar_stub_start);
	wo->stub_arch = NULL;
	if (image_target_arch(platform, &arch, e) < 0)
		return -1;
	if (!strcmp(arch, ARCH_SELF))
		return 0;
	if (beside_me(arch, path, sizeof path, e) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, EXIT_PACK, "no stub for linux/%s: cannot open %s (build it: make stub-%s, "
			       "or ./build.sh; keep it beside boxcar)", arch, path, arch);
	size_t n;
	unsigned char *b = (unsigned char *)read_fd_all(fd, 64u << 20, &n);
	close_keep_errno(fd);
	if (!b)
		return err_sys(e, EXIT_PACK, "cannot read %s", path);
	if (!is_stub_for(b, n, arch)) {
		free(b);
		return err_set(e, EXIT_PACK, "%s is not a static linux/%s (%s) stub: build it again with make stub-%s",
			       path, arch, arch_kernel_name(arch), arch);
	}
	wo->stub = b;
	wo->stub_len = n;
	wo->stub_arch = arch;
	return 0;
}

void stub_release(struct writer_opts *wo)
{
	if (wo->stub != boxcar_stub_start)
		free((void *)wo->stub);
	wo->stub = NULL;
}

int stub_runs_here(const struct payload *p, const char *file, struct err *e)
{
	const char *arch = json_str(cJSON_GetObjectItemCaseSensitive(p->index, "stub"), "architecture");
	return arch ? arch_runs_here(arch, file, e) : 0;   /* (no "stub": packed before files said) */
}
