/* Process resource limits (docker run --ulimit; parsed by stub/values.h). */
#ifndef BOXCAR_RLIMITS_H
#define BOXCAR_RLIMITS_H
#include <sys/resource.h>
#include "../common/err.h"

struct runner_rlimit {
	int resource;            /* RLIMIT_* */
	const char *name;        /* "nofile" */
	struct rlimit lim;
};

/* setrlimit each; raising a hard limit needs privilege outside. */
int rlimit_apply(const struct runner_rlimit *r, int n, struct err *e);

#endif
