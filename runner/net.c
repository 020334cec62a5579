#include "net.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int net_loopback_up(struct err *e)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "socket for the loopback interface");
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc < 0 ? err_sys(e, EXIT_SETUP, "bring up the loopback interface") : 0;
}

/* Does a non-comment line of `hosts` name `name`? */
static int names(const char *hosts, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = hosts; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		size_t len = strcspn(line, "\n#");
		for (const char *p = line; (p = strstr(p, name)) && p + n <= line + len; p++)
			if ((p == line || strchr(" \t", p[-1])) && strchr(" \t\n#", p[n] ? p[n] : '\n'))
				return 1;
	}
	return 0;
}

char *net_hosts(const char *host_hosts, int own_netns, const char *hostname)
{
	const char *base = own_netns || !host_hosts ? "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
						    : host_hosts;
	size_t len = strlen(base), extra = strlen(hostname) + 16;
	char *out = malloc(len + extra + 2);
	if (!out)
		return NULL;
	memcpy(out, base, len + 1);
	if (len && out[len - 1] != '\n')
		out[len++] = '\n', out[len] = 0;
	if (!names(out, hostname))
		snprintf(out + len, extra, "127.0.1.1\t%s\n", hostname);
	return out;
}
