#include "platform.h"

#include <string.h>
#include <sys/utsname.h>
#include "../common/arch.h"
#include "../common/json.h"

int platform_check(const struct payload *p, const char *self, struct err *e)
{
	struct utsname u;
	const char *mine = arch_kernel_name(ARCH_SELF), *host;
	if (uname(&u) < 0)
		return err_sys(e, EXIT_SETUP, "uname");
	/* (an emulator, binfmt_misc's qemu, says the emulated arch: the file's) */
	if (strcmp(u.machine, mine) != 0) {
		host = arch_oci_name(u.machine);
		if (host)
			return err_set(e, EXIT_SETUP, "%s is for linux/%s hosts (%s) and this one is %s: run it on "
				       "a linux/%s host, or pack the image again with --platform linux/%s",
				       self, ARCH_SELF, mine, u.machine, ARCH_SELF, host);
		return err_set(e, EXIT_SETUP, "%s is for linux/%s hosts (%s) and this one says it is %s: run it "
			       "on a linux/%s host, outside setarch/linux32", self, ARCH_SELF, mine, u.machine, ARCH_SELF);
	}
	const char *arch = json_str(p->config, "architecture");
	if (arch && strcmp(arch, ARCH_SELF) != 0)
		return err_set(e, EXIT_SETUP, "%s: its image is for linux/%s but its stub is for linux/%s, so the file "
			       "was put together wrongly: pack the image again (boxcar pack --platform linux/%s)",
			       self, arch, ARCH_SELF, arch);
	return 0;
}
