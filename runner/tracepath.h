/* The trace engine's path translation (trace.h): a guest path (what the
 * app names, the tree being `/`) to the host path the kernel is given,
 * and back. Private to trace.c. */
#ifndef BOXCAR_TRACEPATH_H
#define BOXCAR_TRACEPATH_H
#include <limits.h>
#include <sys/types.h>

#define TP_MAX_BINDS 64

struct tp_bind {
	char guest[PATH_MAX];    /* absolute, no trailing slash */
	char host[PATH_MAX];
	int writable;
	int verbatim;            /* /proc, /dev, /sys: the rest goes to the kernel as is */
};

/* A symlink check of a path in the tree, remembered (tracepath.c's cache). */
struct tp_link;

struct tp_root {
	char tree[PATH_MAX];     /* the host path of the guest's `/` */
	size_t ntree;
	struct tp_bind binds[TP_MAX_BINDS];
	int nbinds;
	pid_t pid;               /* whose /proc/self a path means while it is resolved
				  * (0: none; its cwd and fd links are then not mapped) */
	unsigned long nresolve, nlookup;   /* counts: tp_resolve calls, host lookups they made */
	/* The tree does not change while the app runs (it is the cache's, and
	 * writes to it fail with EROFS): what a readlink of one of its paths
	 * answered stays true, so it is asked once. Open addressing by guest
	 * path; tp_free releases it. */
	struct tp_link *cache;
	size_t ncache, capcache;
};

/* Where a path resolved. */
enum tp_where { TP_TREE, TP_BIND_RO, TP_BIND_RW };

/* Resolve guest (absolute) inside r: `.` and `..` lexically (never above
 * `/`), symlinks read and followed inside the tree (absolute targets from
 * its root), the last component followed only with follow. host: the
 * path for the kernel. Returns its enum tp_where, or -errno. */
int tp_resolve(struct tp_root *r, const char *guest, int follow, char host[PATH_MAX]);
/* The guest path of a host path: the tree's prefix stripped, a bind's host
 * prefix replaced by its guest path. 0, or -1 if host is in neither
 * (guest then gets host unchanged). */
int tp_to_guest(const struct tp_root *r, const char *host, char guest[PATH_MAX]);
/* The bind whose host path is host's longest prefix (its length in *len), or NULL. */
const struct tp_bind *tp_bind_of_host(const struct tp_root *r, const char *host, size_t *len);
/* 1 if host is the tree's root or below it (not a bind's). */
int tp_in_tree(const struct tp_root *r, const char *host);
/* 1 if name is the last component of a bind's guest path ("tmp" for /tmp). */
int tp_bind_name(const struct tp_root *r, const char *name);
/* p, what follows "/proc" in a path ("/self/fd/3", "/12/task/13/cwd"): the
 * process it names into who (self and thread-self: self; a task: its
 * thread), and the rest after that ("/fd/3"); NULL when p names none. */
const char *tp_proc_who(const char *p, pid_t self, pid_t *who);
/* Release the cache (the rest of r is plain data). */
void tp_free(struct tp_root *r);
/* Add a bind (guest and host absolute). 0 or -1 when the table is full. */
int tp_bind(struct tp_root *r, const char *guest, const char *host, int writable, int verbatim);

#endif
