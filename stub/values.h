/* The values of the docker-spelled options (`--boxcar-ulimit`, `-publish`,
 * `-net`, `-memory`, `-cpus`, `-pids-limit`): command-line text turned into
 * the runner's spec types, so runner/ never reads CLI text. Errors name
 * the option and the form it wants. */
#ifndef BOXCAR_VALUES_H
#define BOXCAR_VALUES_H
#include <stdint.h>
#include "../common/err.h"
#include "../runner/net.h"
#include "../runner/runner.h"
#include "../runner/relay.h"
#include "../runner/rlimits.h"

/* "nofile=1024:2048", "nproc=512" (hard = soft), "core=-1" (unlimited). */
int value_ulimit(const char *spec, struct runner_rlimit *out, struct err *e);
/* "[IP:]HOSTPORT:CTRPORT[/tcp|/udp]" or "CTRPORT" (same port on the host). */
int value_publish(const char *spec, struct runner_port *p, struct err *e);
/* "host", "none", "private" -> enum runner_net; -1 if unknown. */
int value_net(const char *s);
/* "host", "private" -> enum runner_ipc; -1 if unknown. */
int value_ipc(const char *s);
/* "512m", "1g", "1048576" (bytes) -> bytes; "1.5" cpus -> millis. -1 if bad. */
int value_size(const char *s, uint64_t *out);
int value_cpus(const char *s, uint64_t *out);

#endif
