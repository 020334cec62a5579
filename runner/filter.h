/* boxcar's default seccomp rules (Docker's default profile, in short),
 * as libseccomp calls. The build turns the four variants into BPF once
 * (tools/bpfgen.c -> seccomp_bpf.h), so a launch loads a ready program
 * instead of compiling one (0.6 ms of libseccomp per launch); a custom
 * profile (runner/profile.h) is still compiled at launch. */
#ifndef BOXCAR_FILTER_H
#define BOXCAR_FILTER_H
#include <stdint.h>
#include <seccomp.h>

/* For arch (an SCMP_ARCH_* token; 0: the native one. The build compiles
 * the arm64 stub's filters on an x86-64 host: SCMP_ARCH_AARCH64, whose
 * BPF then checks for AUDIT_ARCH_AARCH64 and uses arm64's numbers).
 * fakeroot: id and owner changes answer 0 and do nothing (--boxcar-fakeroot).
 * lifted: CAP_SYS_ADMIN (or seccomp=unconfined with fakeroot) lifts the
 * deny rules, as in Docker. NULL with errno set on failure. */
scmp_filter_ctx filter_default(uint32_t arch, int fakeroot, int lifted);
/* The fakeroot rules alone (added first to a custom profile). */
int filter_fakeroot_rules(scmp_filter_ctx ctx);

#endif
