/* seccomp profiles in Docker's JSON format (docker run --security-opt
 * seccomp=FILE.json), turned into a libseccomp filter. Supported:
 * defaultAction/defaultErrnoRet, archMap/architectures (this machine's
 * entry and its sub-architectures), syscalls[] with names, action,
 * errnoRet, args (index/value/valueTwo/op) and includes/excludes on caps,
 * arches and minKernel, as Docker evaluates them. Unknown syscall names are
 * skipped, as Docker does; SCMP_ACT_NOTIFY is refused. */
#ifndef BOXCAR_PROFILE_H
#define BOXCAR_PROFILE_H
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include "../common/err.h"

/* Build a filter from the profile text; caps is the container's
 * capability set (for includes/excludes). NULL with e set on error. */
/* `first` (may be NULL) adds rules that win over the profile's. */
scmp_filter_ctx profile_build(const char *json, size_t len, uint64_t caps,
			      int (*first)(scmp_filter_ctx), struct err *e);

#endif
