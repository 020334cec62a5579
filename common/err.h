/* One error value for every module: a code (the exit status the top-level
 * main should use), the errno of the call that failed, a kind that callers
 * switch on (never the message's text), the path involved, and a one-line
 * message. Library code fills it and returns -1; context is added on the
 * way up (err_ctx); only main() prints it, once. The first cause is kept:
 * err_set on an error that is already set does nothing. A child process
 * sends its error to its parent whole (common/child.h). */
#ifndef BOXCAR_ERR_H
#define BOXCAR_ERR_H

enum {
	EXIT_SETUP = 125,    /* boxcar's own failure (docker run's convention) */
	EXIT_NOEXEC = 126,   /* entrypoint found but not executable */
	EXIT_NOTFOUND = 127, /* entrypoint not found */
	EXIT_PACK = 1,       /* `boxcar pack` and other tool verbs failed */
	EXIT_USAGE = 2,      /* `boxcar` command-line misuse */
};

enum err_kind {
	ERR_OTHER = 0,
	ERR_NOSPACE,     /* the disk or the quota is full (ENOSPC, EDQUOT) */
	ERR_NOTFOUND,    /* ENOENT, ENOTDIR */
	ERR_ACCESS,      /* EACCES, EPERM, EROFS */
	ERR_NET,         /* a transfer failed below HTTP (no answer, cut off) */
	ERR_TLS,         /* a TLS handshake or certificate check failed */
	ERR_UNSUPPORTED, /* the kernel or its policy refuses a feature (overlayfs here) */
	ERR_NAMESPACE,   /* a user namespace, or mounting in one, is denied here (runner/diagnose.h) */
};

struct err {
	int code;              /* 0 = no error */
	int sys;               /* errno of the failed call (err_sys), else 0 */
	enum err_kind kind;    /* from sys, or set by err_kind */
	char path[256];        /* the file involved, where one is (err_path) */
	char msg[1024];
};

/* Record an error (printf-style message). Returns -1 so callers can write
 * `return err_set(e, ...)`. Keeps an earlier error if one is set. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errno)". */
int err_sys(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set the kind of an error already set (a failure errno does not name).
 * Returns -1. */
int err_kind(struct err *e, enum err_kind kind);
/* Note the path involved, unless one is noted already. Returns -1. */
int err_path(struct err *e, const char *path);
/* Prefix context to an existing message ("reading index: ..."). Returns -1. */
int err_ctx(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print "boxcar: MESSAGE" on stderr once; returns e->code (or 1 if unset). */
int err_print(const struct err *e);

#endif
