/* Containers that run detached or with a name, without a daemon: each has a
 * record in the state directory ($XDG_RUNTIME_DIR/boxcar, else
 * /tmp/boxcar-UID; private to the caller).
 *
 *   STATE/<id>/info      JSON: id, name, file, args, ports, the supervisor's
 *                        pid and start time (pid reuse is told apart), created
 *   STATE/<id>/log       stdout and stderr of a detached container
 *   STATE/<id>/exit      its exit status, written when it ends
 *   STATE/<id>/argv      the file's arguments, NUL-separated (boxcar start)
 *   STATE/names/<name>   symlink to <id>: made atomically, so names are unique
 *
 * A record whose supervisor is gone without an exit file is stale (killed):
 * shown as exited by `boxcar ps -a`, removed by `boxcar rm`. */
#ifndef BOXCAR_STATE_H
#define BOXCAR_STATE_H
#include <sys/types.h>
#include <time.h>
#include "../common/err.h"

#define STATE_ID_LEN 12

struct state_rec {
	char id[STATE_ID_LEN + 1];
	char name[64];
	char file[512];
	char ports[256];
	char command[256];
	char cwd[512];               /* where it was started (relative paths) */
	char keep[512];              /* its kept writable layer (named), or "" */
	char userns[16];             /* the id map's mode (userns.h) */
	pid_t pid;                   /* the supervisor (the launcher process) */
	unsigned long long start;    /* its start time (clock ticks after boot) */
	time_t created;
	int exited, code;            /* exit file present, and its status */
};

/* The state directory, created if needed; a directory fd. */
int state_open(struct err *e);
/* Reserve a new record (and NAME, if given: an error when taken). */
int state_create(int sfd, const char *name, struct state_rec *r, struct err *e);
/* Take an existing, stopped record again (boxcar start): its exit status
 * is cleared; an error if it is running. */
int state_reuse(int sfd, const char *id, struct state_rec *r, struct err *e);
/* The arguments a container was started with (malloc'd, NULL-terminated
 * vector whose strings live in *buf). */
int state_write_argv(int sfd, const char *id, int argc, char *const *argv, struct err *e);
char **state_read_argv(int sfd, const char *id, char **buf, struct err *e);
/* Record the calling process as the supervisor, and the rest of r. */
int state_write_info(int sfd, struct state_rec *r, struct err *e);
void state_set_exit(int sfd, const char *id, int code);
/* Find a record by name or id (or unique id prefix). */
int state_find(int sfd, const char *key, struct state_rec *r, struct err *e);
/* Each record, oldest first not guaranteed. */
int state_each(int sfd, int (*fn)(const struct state_rec *, void *), void *arg);
int state_remove(int sfd, const struct state_rec *r);
/* The record gone, and the writable layer it kept with it. */
void state_discard(int sfd, const struct state_rec *r);
/* Is its supervisor alive (the same process, not a reused pid)? */
int state_running(const struct state_rec *r);
/* The container's app (a host pid: the first child of its PID 1 that is not
 * PID 1's own copy), or 0 when it is not running. */
pid_t state_app(const struct state_rec *r);
/* Start time of a process (field 22 of /proc/PID/stat); 0 if gone (or a
 * zombie). */
unsigned long long state_proc_start(pid_t pid);

#endif
