/* Published ports (docker run -p), with no helper binary: boxcar binds the
 * host side before the container exists, in the host's network namespace;
 * a relay process forked inside the container (so in its network
 * namespace, with the listening sockets inherited) accepts there and
 * connects to the port inside. Sockets keep the namespace they were made
 * in, so no setns and no privilege is needed. TCP and UDP. */
#ifndef BOXCAR_RELAY_H
#define BOXCAR_RELAY_H
#include <stdint.h>
#include "../common/err.h"

struct runner_port {
	int udp;
	char host_ip[48];        /* "" = every address (0.0.0.0) */
	uint16_t host_port, ctr_port;
	int fd;                  /* bound in the host's namespace (relay_bind) */
};

/* Bind (and listen) every host side; a port in use is an error naming it. */
int relay_bind(struct runner_port *p, int n, struct err *e);
void relay_close(struct runner_port *p, int n);
/* The relay loop, in the container's namespaces; does not return. */
void relay_run(const struct runner_port *p, int n) __attribute__((noreturn));

#endif
