#include "rlimits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int rlimit_apply(const struct runner_rlimit *r, int n, struct err *e)
{
	for (int i = 0; i < n; i++)
		if (setrlimit(r[i].resource, &r[i].lim) < 0)
			return err_sys(e, EXIT_SETUP, "ulimit %s%s", r[i].name,
				       errno == EPERM ? " (raising a hard limit needs privilege on the host)" : "");
	return 0;
}
