#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum err_kind kind_of(int sys)
{
	switch (sys) {
	case ENOSPC: case EDQUOT: return ERR_NOSPACE;
	case ENOENT: case ENOTDIR: return ERR_NOTFOUND;
	case EACCES: case EPERM: case EROFS: return ERR_ACCESS;
	default: return ERR_OTHER;
	}
}

static void vset(struct err *e, int code, int sys, const char *fmt, va_list ap)
{
	int saved = errno;
	if (e->code)
		return (void)(errno = saved);
	e->code = code;
	e->sys = sys ? saved : 0;
	e->kind = sys ? kind_of(saved) : ERR_OTHER;
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	if (sys && n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(saved));
	errno = saved;   /* callers may still test errno */
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, code, 1, fmt, ap);
	va_end(ap);
	return -1;
}

int err_kind(struct err *e, enum err_kind kind)
{
	e->kind = kind;
	return -1;
}

int err_path(struct err *e, const char *path)
{
	if (!e->path[0])
		snprintf(e->path, sizeof e->path, "%s", path);
	return -1;
}

int err_ctx(struct err *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
	return -1;
}

int err_print(const struct err *e)
{
	/* one line, whatever the message holds, in one write */
	char line[sizeof e->msg + 16];
	int n = snprintf(line, sizeof line, "boxcar: %s", e->msg);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	fflush(stdout);
	if (write(2, line, (size_t)n) < 0)
		return e->code ? e->code : 1;
	return e->code ? e->code : 1;
}
