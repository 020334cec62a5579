/* One error value for every module: a code (the exit status the top-level
 * main should use) and a one-line message.  Library code fills it and
 * returns -1; only main() prints it.  The first cause is kept: err_set on
 * an error that is already set does nothing, err_ctx prefixes context. */
#ifndef BOXCAR_ERR_H
#define BOXCAR_ERR_H

enum {
	EXIT_SETUP = 125,    /* boxcar's own failure (docker run's convention) */
	EXIT_NOEXEC = 126,   /* entrypoint found but not executable */
	EXIT_NOTFOUND = 127, /* entrypoint not found */
	EXIT_PACK = 1,       /* `boxcar pack` and other tool verbs failed */
	EXIT_USAGE = 2,      /* `boxcar` command-line misuse */
};

struct err {
	int code;        /* 0 = no error */
	char msg[1024];
};

/* Record an error (printf-style message). Returns -1 so callers can write
 * `return err_set(e, ...)`. Keeps an earlier error if one is set. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errno)". */
int err_sys(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix context to an existing message ("reading index: ..."). Returns -1. */
int err_ctx(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print "boxcar: MESSAGE" on stderr once; returns e->code (or 1 if unset). */
int err_print(const struct err *e);

#endif
