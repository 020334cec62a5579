#include "platform.h"

#include <string.h>
#include "../common/arch.h"
#include "../common/json.h"

int platform_check(const struct payload *p, const char *self, struct err *e)
{
	if (arch_runs_here(ARCH_SELF, self, e) < 0)
		return -1;
	const char *arch = json_str(p->config, "architecture");
	if (arch && strcmp(arch, ARCH_SELF) != 0)
		return err_set(e, EXIT_SETUP, "%s: its image is for linux/%s but its stub is for linux/%s, so the file "
			       "was put together wrongly: pack the image again (boxcar pack --platform linux/%s)",
			       self, arch, ARCH_SELF, arch);
	return 0;
}
