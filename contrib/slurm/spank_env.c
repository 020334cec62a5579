#include "spank_env.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define PFX "SLURM_RLIMIT_"

/* the limits srun propagates, by the names Slurm gives them */
static const struct { const char *name; int res; } limits[] = {
	{ "CPU", RLIMIT_CPU }, { "FSIZE", RLIMIT_FSIZE }, { "DATA", RLIMIT_DATA },
	{ "STACK", RLIMIT_STACK }, { "CORE", RLIMIT_CORE }, { "RSS", RLIMIT_RSS },
	{ "NPROC", RLIMIT_NPROC }, { "NOFILE", RLIMIT_NOFILE }, { "MEMLOCK", RLIMIT_MEMLOCK },
	{ "AS", RLIMIT_AS },
};

/* Apply one "NAME=[U]VALUE" (after the prefix). Returns the limit's name
 * when the user asked for it (U) and it could not be set, else NULL. */
static const char *apply(const char *kv)
{
	const char *eq = strchr(kv, '=');
	for (size_t i = 0; eq && i < sizeof limits / sizeof limits[0]; i++) {
		if (strlen(limits[i].name) != (size_t)(eq - kv) || strncmp(kv, limits[i].name, (size_t)(eq - kv)))
			continue;
		const char *v = eq + 1;
		int asked = *v == 'U';
		char *end;
		errno = 0;
		unsigned long long n = strtoull(v + asked, &end, 10);
		struct rlimit r;
		if (errno || end == v + asked || *end || getrlimit(limits[i].res, &r) < 0)
			return asked ? limits[i].name : NULL;
		if (r.rlim_cur == (rlim_t)n)
			return NULL;
		r.rlim_cur = (rlim_t)n;
		if (r.rlim_max < r.rlim_cur)
			r.rlim_max = r.rlim_cur;
		return setrlimit(limits[i].res, &r) < 0 && asked ? limits[i].name : NULL;
	}
	return NULL;
}

char **spank_env_task(char **env, const char **refused)
{
	size_t n = 0, k = 0;
	while (env[n])
		n++;
	char **out = malloc((n + 1) * sizeof *out);
	if (!out)
		return NULL;
	*refused = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(env[i], PFX, strlen(PFX)) != 0) {
			out[k++] = env[i];
			continue;
		}
		const char *bad = apply(env[i] + strlen(PFX));
		if (bad && !*refused)
			*refused = bad;
	}
	out[k] = NULL;
	return out;
}
