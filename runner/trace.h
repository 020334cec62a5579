/* The trace engine (docs/trace-engine.md): runs a spec with no namespace
 * at all, where user namespaces are denied. The app runs as a ptrace'd
 * child under a seccomp filter that stops only the syscalls taking or
 * returning paths (SECCOMP_RET_TRACE); the tracer rewrites their path
 * arguments so that the tree (spec->lowers[0], a flat root) looks like
 * `/`, with /proc, /dev and /sys passed through and /tmp, /var/tmp and
 * /run private host directories. Writes into the tree fail with EROFS (it
 * is the cache's merged tree, hard-linked to the layers); ids are faked
 * (getuid & co. answer the spec's, chown succeeds without effect).
 *
 * It is a compatibility layer, not a sandbox: a process that wants out
 * can get out (a raw fd walk with openat on a directory fd, for one). */
#ifndef BOXCAR_TRACE_H
#define BOXCAR_TRACE_H
#include "../common/err.h"
#include "runner.h"

/* 1 where the engine can run on this build's architecture. */
int trace_supported(void);

/* Run spec (spec->flat must be set; only the fields a namespace-less run
 * can honour are used: argv, envp, cwd, uid, gid, volumes, the tree and
 * the state dir) and wait for it. Returns the app's exit status (128+N
 * when killed by signal N; 126/127 when it could not be executed, said on
 * stderr by the child), or -1 with e set when nothing could start. */
int trace_run(const struct runner_spec *spec, struct err *e);

#endif
