/* Process resource limits (docker run --ulimit NAME=SOFT[:HARD]). */
#ifndef BOXCAR_RLIMITS_H
#define BOXCAR_RLIMITS_H
#include <sys/resource.h>
#include "../common/err.h"

struct runner_rlimit {
	int resource;            /* RLIMIT_* */
	const char *name;        /* "nofile" */
	struct rlimit lim;
};

/* "nofile=1024:2048", "nproc=512" (hard = soft), "core=-1" (unlimited). */
int rlimit_parse(const char *spec, struct runner_rlimit *out, struct err *e);
/* setrlimit each; raising a hard limit needs privilege outside. */
int rlimit_apply(const struct runner_rlimit *r, int n, struct err *e);

#endif
