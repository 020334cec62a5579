#include "rlimits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; int res; } names[] = {
	{ "as", RLIMIT_AS }, { "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA }, { "fsize", RLIMIT_FSIZE }, { "locks", RLIMIT_LOCKS },
	{ "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC }, { "rss", RLIMIT_RSS },
	{ "rtprio", RLIMIT_RTPRIO }, { "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

/* A decimal value, or -1 / "unlimited" for RLIM_INFINITY. */
static int parse_value(const char *s, size_t n, rlim_t *out)
{
	char buf[32], *end;
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (!strcmp(buf, "-1") || !strcmp(buf, "unlimited")) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || *end || v >= RLIM_INFINITY)
		return -1;
	*out = (rlim_t)v;
	return 0;
}

int rlimit_parse(const char *spec, struct runner_rlimit *out, struct err *e)
{
	const char *eq = strchr(spec, '=');
	size_t k = eq ? (size_t)(eq - spec) : 0;
	out->name = NULL;
	for (size_t i = 0; eq && i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == k && !strncmp(spec, names[i].name, k))
			out->resource = names[i].res, out->name = names[i].name;
	if (!out->name)
		return err_set(e, EXIT_SETUP, "bad ulimit '%s': want NAME=SOFT[:HARD] with NAME one of as, core, "
			       "cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, "
			       "rttime, sigpending, stack", spec);
	const char *v = eq + 1, *colon = strchr(v, ':');
	size_t soft_len = colon ? (size_t)(colon - v) : strlen(v);
	if (parse_value(v, soft_len, &out->lim.rlim_cur) < 0 ||
	    parse_value(colon ? colon + 1 : v, colon ? strlen(colon + 1) : soft_len, &out->lim.rlim_max) < 0)
		return err_set(e, EXIT_SETUP, "bad ulimit '%s': values are numbers, or -1 for unlimited", spec);
	if (out->lim.rlim_cur > out->lim.rlim_max)
		return err_set(e, EXIT_SETUP, "bad ulimit '%s': the soft limit is above the hard one", spec);
	return 0;
}

int rlimit_apply(const struct runner_rlimit *r, int n, struct err *e)
{
	for (int i = 0; i < n; i++)
		if (setrlimit(r[i].resource, &r[i].lim) < 0)
			return err_sys(e, EXIT_SETUP, "ulimit %s%s", r[i].name,
				       errno == EPERM ? " (raising a hard limit needs privilege on the host)" : "");
	return 0;
}
