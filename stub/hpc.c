#include "hpc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hpc_under_slurm(void)
{
	const char *id = getenv("SLURM_JOB_ID");
	return id && *id;
}

int hpc_env_passed(const char *kv)
{
	return strchr(kv, '=') && (strncmp(kv, "SLURM", 5) == 0 || strncmp(kv, "PMI", 3) == 0);
}

int hpc_step_key(char *buf, size_t len)
{
	const char *job = getenv("SLURM_JOB_ID"), *step = getenv("SLURM_STEP_ID");
	if (!job || !*job || !step || !*step)
		return -1;
	return snprintf(buf, len, "%s.%s", job, step) < (int)len ? 0 : -1;
}

int hpc_pmi_fd(void)
{
	const char *s = getenv("PMI_FD");
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long fd = strtol(s, &end, 10);
	if (errno || *end || fd <= 2 || fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
		return -1;
	return (int)fd;
}

/* The length of host's path when it holds path (equal, or a prefix that
 * ends at a '/'); 0 when not. host "/" holds everything. */
static size_t holds(const char *host, const char *path)
{
	size_t n = strlen(host);
	while (n > 1 && host[n - 1] == '/')
		n--;
	if (n == 1 && host[0] == '/')
		return 1;
	return strncmp(host, path, n) == 0 && (path[n] == '/' || !path[n]) ? n : 0;
}

const char *hpc_cwd(const struct runner_volume *vols, int nvols, char *buf, size_t len)
{
	char cwd[PATH_MAX], real[PATH_MAX];
	const struct runner_volume *best = NULL;
	size_t best_n = 0;
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	for (int i = 0; i < nvols; i++) {
		size_t n = realpath(vols[i].host, real) ? holds(real, cwd) : 0;
		if (n > best_n)
			best = &vols[i], best_n = n;
	}
	if (!best)
		return NULL;
	const char *rest = cwd + (best_n == 1 ? 0 : best_n);   /* "" or "/..." */
	size_t t = strlen(best->target);
	while (t > 1 && best->target[t - 1] == '/')
		t--;
	int w = snprintf(buf, len, "%.*s%s", t == 1 && *rest ? 0 : (int)t, best->target, rest);
	return w > 0 && (size_t)w < len ? buf : NULL;
}
