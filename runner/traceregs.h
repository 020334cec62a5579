/* A tracee's registers at a syscall stop, the same on every architecture
 * the trace engine runs on (x86-64, arm64): the call's number, its six
 * arguments, its result and the stack pointer. */
#ifndef BOXCAR_TRACEREGS_H
#define BOXCAR_TRACEREGS_H
#include <sys/types.h>
#include <sys/user.h>

struct sysregs {
	long nr;              /* the call; -1 skips it (at the entry: ret is its result) */
	unsigned long a[6];   /* its arguments (arm64 loses a[0] at the exit: restore it) */
	unsigned long ret;    /* its result (the exit's; or, skipped, what it returns) */
	unsigned long sp;     /* the stack pointer */
	int exit;             /* read at the call's exit stop (else at its seccomp stop) */
	struct user_regs_struct raw;
};

/* The registers of pid, stopped at a call's seccomp stop (exit 0) or exit
 * stop (exit 1). 0, or -1 with errno. */
int regs_get(pid_t pid, struct sysregs *r, int exit);

/* Writes r's number, arguments (at the entry) and result back. 0, or -1. */
int regs_set(pid_t pid, struct sysregs *r);

/* The audit arch seccomp filters see for this build's own calls. */
unsigned regs_audit_arch(void);

#endif
