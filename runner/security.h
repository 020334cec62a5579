/* Docker's default confinement for the container process: capability
 * bounding set, no_new_privs, and a seccomp filter that makes the
 * syscalls Docker's default profile refuses fail with EPERM (and kills
 * syscalls of other architectures). Applied last, just before exec. */
#ifndef BOXCAR_SECURITY_H
#define BOXCAR_SECURITY_H
#include <stdint.h>
#include "../common/err.h"

struct security {
	int seccomp;             /* 1: the default filter; 0: unconfined */
	int fakeroot;            /* id and owner changes succeed without effect */
	int no_new_privs;
	uint64_t caps;           /* capabilities kept (bit N = capability N) */
};

/* Docker's 14 default capabilities. */
extern const uint64_t security_default_caps;
/* Capability name ("NET_ADMIN", "CAP_NET_ADMIN", "ALL") to a mask; 0 if unknown. */
uint64_t security_cap_mask(const char *name);
/* Drop what the bounding set must not hold. Needs CAP_SETPCAP: call it
 * before switching to a non-root user. */
int security_drop_bounding(const struct security *sec, struct err *e);
/* Limit the remaining capability sets, set no_new_privs, load seccomp. */
int security_apply(const struct security *sec, struct err *e);

#endif
