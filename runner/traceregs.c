/* The syscall registers of a stopped tracee (traceregs.h). x86-64 has
 * PTRACE_GETREGS, the call's number in orig_rax and the result apart from
 * the arguments. arm64 has only the regsets: the number is changed (to -1,
 * to skip a call) through NT_ARM_SYSTEM_CALL, and x0 is both the first
 * argument and the result, so the first argument is gone at the exit. */
#include "traceregs.h"
#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#if defined(__x86_64__)

int regs_get(pid_t pid, struct sysregs *r, int exit)
{
	struct user_regs_struct *u = &r->raw;
	if (ptrace(PTRACE_GETREGS, pid, NULL, u) < 0)
		return -1;
	unsigned long a[6] = { u->rdi, u->rsi, u->rdx, u->r10, u->r8, u->r9 };
	for (int i = 0; i < 6; i++)
		r->a[i] = a[i];
	r->nr = (long)u->orig_rax, r->ret = u->rax, r->sp = u->rsp, r->exit = exit;
	return 0;
}

int regs_set(pid_t pid, struct sysregs *r)
{
	struct user_regs_struct *u = &r->raw;
	u->rdi = r->a[0], u->rsi = r->a[1], u->rdx = r->a[2], u->r10 = r->a[3], u->r8 = r->a[4], u->r9 = r->a[5];
	u->orig_rax = (unsigned long)r->nr, u->rax = r->ret;
	return (int)ptrace(PTRACE_SETREGS, pid, NULL, u);
}

unsigned regs_audit_arch(void)
{
	return AUDIT_ARCH_X86_64;
}

#elif defined(__aarch64__)

int regs_get(pid_t pid, struct sysregs *r, int exit)
{
	struct iovec io = { &r->raw, sizeof r->raw };
	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io) < 0)
		return -1;
	for (int i = 0; i < 6; i++)
		r->a[i] = r->raw.regs[i];
	r->nr = (long)r->raw.regs[8];   /* (x8 holds it at both stops) */
	r->ret = exit ? r->raw.regs[0] : (unsigned long)-ENOSYS;
	r->sp = r->raw.sp, r->exit = exit;
	return 0;
}

int regs_set(pid_t pid, struct sysregs *r)
{
	int skip = !r->exit && r->nr == -1;
	for (int i = 1; i < 6; i++)
		r->raw.regs[i] = r->a[i];
	r->raw.regs[0] = r->exit || skip ? r->ret : r->a[0];
	struct iovec io = { &r->raw, sizeof r->raw };
	if (ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &io) < 0)
		return -1;
	if (!skip)
		return 0;
	int nr = -1;
	struct iovec sc = { &nr, sizeof nr };
	return (int)ptrace(PTRACE_SETREGSET, pid, (void *)NT_ARM_SYSTEM_CALL, &sc);
}

unsigned regs_audit_arch(void)
{
	return AUDIT_ARCH_AARCH64;
}

#endif
