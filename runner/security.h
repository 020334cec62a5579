/* Docker's default confinement for the container process: capability
 * bounding set, no_new_privs, and a seccomp filter that makes the
 * syscalls Docker's default profile refuses fail with EPERM (and kills
 * syscalls of other architectures). Applied last, just before exec. */
#ifndef BOXCAR_SECURITY_H
#define BOXCAR_SECURITY_H
#include <stddef.h>
#include <stdint.h>
#include "../common/err.h"

struct security {
	int seccomp;             /* 1: a filter (the default or a profile); 0: unconfined */
	int fakeroot;            /* id and owner changes succeed without effect */
	const char *profile;     /* seccomp=FILE.json: its text (runner/profile.h) */
	size_t profile_len;
	const char *profile_name;
	void *filter;            /* a profile's libseccomp filter, built by security_prepare */
	const void *program;     /* or the default filter, a ready struct sock_fprog */
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
/* Build the seccomp filter (before the container starts: errors are
 * reported early, and the child only loads it). */
int security_prepare(struct security *sec, struct err *e);
void security_release(struct security *sec);
/* No capabilities left at all (boxcar's own helpers inside). */
int security_clear_caps(struct err *e);
/* Limit the remaining capability sets, set no_new_privs, load seccomp. */
int security_apply(const struct security *sec, struct err *e);

#endif
