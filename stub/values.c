/* The values of the docker-spelled options (values.h). */
#include "values.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
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

int value_ulimit(const char *spec, struct runner_rlimit *out, struct err *e)
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

static int parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int value_publish(const char *spec, struct runner_port *p, struct err *e)
{
	char buf[128];
	memset(p, 0, sizeof *p);
	p->fd = -1;
	if (strlen(spec) >= sizeof buf)
		return err_set(e, EXIT_SETUP, "bad --boxcar-publish '%.40s...': too long", spec);
	strcpy(buf, spec);
	char *proto = strchr(buf, '/');
	if (proto) {
		*proto++ = 0;
		if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
			return err_set(e, EXIT_SETUP, "bad --boxcar-publish '%s': the protocol is tcp or udp", spec);
		p->udp = !strcmp(proto, "udp");
	}
	/* from the right: CTRPORT, then HOSTPORT, then the rest is the IP */
	char *c = strrchr(buf, ':');
	const char *ctr = c ? c + 1 : buf;
	int ok = parse_port(ctr, strlen(ctr), &p->ctr_port) == 0;
	p->host_port = p->ctr_port;
	if (ok && c) {
		*c = 0;
		char *h = strrchr(buf, ']') ? NULL : strrchr(buf, ':');
		const char *host = h ? h + 1 : buf;
		ok = parse_port(host, strlen(host), &p->host_port) == 0;
		if (ok && h) {
			*h = 0;
			const char *ip = buf;
			size_t n = strlen(ip);
			if (n > 1 && ip[0] == '[' && ip[n - 1] == ']')
				ip++, n -= 2;
			snprintf(p->host_ip, sizeof p->host_ip, "%.*s", (int)n, ip);
			struct in6_addr a6;
			struct in_addr a4;
			ok = inet_pton(AF_INET, p->host_ip, &a4) == 1 || inet_pton(AF_INET6, p->host_ip, &a6) == 1;
		}
	}
	if (!ok)
		return err_set(e, EXIT_SETUP, "bad --boxcar-publish '%s': want [IP:]HOSTPORT:CTRPORT[/tcp|/udp] "
			       "with ports 1-65535", spec);
	return 0;
}

int value_net(const char *s)
{
	return !strcmp(s, "host") ? RUNNER_NET_HOST : !strcmp(s, "none") ? RUNNER_NET_NONE :
	       !strcmp(s, "private") ? RUNNER_NET_PRIVATE : -1;
}

int value_ipc(const char *s)
{
	return !strcmp(s, "host") ? RUNNER_IPC_HOST : !strcmp(s, "private") ? RUNNER_IPC_PRIVATE : -1;
}

int value_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = !*end ? 0 : strchr("bB", *end) ? 0 : strchr("kK", *end) ? 10 : strchr("mM", *end) ? 20 :
		    strchr("gG", *end) ? 30 : strchr("tT", *end) ? 40 : -1;
	if (errno || shift < 0 || (*end && end[1]) || v == 0 || v > (UINT64_MAX >> 41))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int value_cpus(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	double v = strtod(s, &end);
	if (errno || *end || v < 0.01 || v > 4096)
		return -1;
	*out = (uint64_t)(v * 1000 + 0.5);
	return 0;
}
