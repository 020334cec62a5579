/* The container's network: the host's, or a namespace of its own with
 * only loopback (reached from outside through published ports: relay.h). */
#ifndef BOXCAR_NET_H
#define BOXCAR_NET_H
#include "../common/err.h"

enum runner_net { RUNNER_NET_HOST, RUNNER_NET_NONE, RUNNER_NET_PRIVATE };

/* Bring "lo" up in a fresh network namespace. */
int net_loopback_up(struct err *e);
/* /etc/hosts for the container: the host's (host network) or a loopback
 * one, with `hostname` added when it does not resolve there. malloc'd. */
char *net_hosts(const char *host_hosts, int own_netns, const char *hostname);

#endif
