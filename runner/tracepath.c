#include "tracepath.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the tree's symlink cache (tracepath.h) ---- */

struct tp_link {
	uint64_t hash;
	char *key;    /* the guest path; NULL: a free slot */
	char *text;   /* the link's text (in key's allocation), NULL: not a link */
};

#define CACHE_MIN 1024
#define CACHE_MAX (1u << 18)   /* slots; past 70% of that, lookups are no longer remembered */

static uint64_t hash_of(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* The slot for key g (its entry, or the free slot where it would go). */
static struct tp_link *cache_slot(struct tp_link *tab, size_t cap, const char *g, uint64_t h)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!tab[i].key || (tab[i].hash == h && !strcmp(tab[i].key, g)))
			return &tab[i];
}

static int cache_grow(struct tp_root *r)
{
	size_t cap = r->capcache ? 2 * r->capcache : CACHE_MIN;
	if (cap > CACHE_MAX)
		return -1;
	struct tp_link *tab = calloc(cap, sizeof *tab);
	if (!tab)
		return -1;
	for (size_t i = 0; i < r->capcache; i++)
		if (r->cache[i].key)
			*cache_slot(tab, cap, r->cache[i].key, r->cache[i].hash) = r->cache[i];
	free(r->cache);
	r->cache = tab, r->capcache = cap;
	return 0;
}

/* Remember what g is (text: its link's, NULL when not a link); best effort. */
static void cache_put(struct tp_root *r, const char *g, uint64_t h, const char *text)
{
	if ((r->ncache + 1) * 10 > r->capcache * 7 && cache_grow(r) < 0)
		return;
	size_t gl = strlen(g), tl = text ? strlen(text) + 1 : 0;
	char *mem = malloc(gl + 1 + tl);
	if (!mem)
		return;
	memcpy(mem, g, gl + 1);
	if (text)
		memcpy(mem + gl + 1, text, tl);
	*cache_slot(r->cache, r->capcache, g, h) = (struct tp_link){ h, mem, text ? mem + gl + 1 : NULL };
	r->ncache++;
}

void tp_free(struct tp_root *r)
{
	for (size_t i = 0; i < r->capcache; i++)
		free(r->cache[i].key);
	free(r->cache);
	r->cache = NULL, r->ncache = r->capcache = 0;
}

int tp_bind_name(const struct tp_root *r, const char *name)
{
	for (int i = 0; i < r->nbinds; i++)
		if (!strcmp(strrchr(r->binds[i].guest, '/') + 1, name))
			return 1;
	return 0;
}

int tp_bind(struct tp_root *r, const char *guest, const char *host, int writable, int verbatim)
{
	if (r->nbinds >= TP_MAX_BINDS)
		return -1;
	struct tp_bind *b = &r->binds[r->nbinds];
	size_t n = strlen(guest);
	while (n > 1 && guest[n - 1] == '/')
		n--;
	if (n >= sizeof b->guest || snprintf(b->host, sizeof b->host, "%s", host) >= (int)sizeof b->host)
		return -1;
	memcpy(b->guest, guest, n);
	b->guest[n] = 0;
	if (!strcmp(b->guest, "/"))
		return -1;   /* (the root is the tree) */
	b->writable = writable;
	b->verbatim = verbatim;
	r->nbinds++;
	return 0;
}

/* The bind holding guest path g ("" is `/`), longest first; *len: its guest prefix's length. */
static const struct tp_bind *bind_of(const struct tp_root *r, const char *g, size_t *len)
{
	const struct tp_bind *best = NULL;
	size_t bl = 0;
	for (int i = 0; i < r->nbinds; i++) {
		size_t n = strlen(r->binds[i].guest);
		if (n > bl && !strncmp(g, r->binds[i].guest, n) && (g[n] == 0 || g[n] == '/'))
			best = &r->binds[i], bl = n;
	}
	*len = bl;
	return best;
}

static int host_of(const struct tp_root *r, const char *g, char host[PATH_MAX])
{
	size_t bl;
	const struct tp_bind *b = bind_of(r, g, &bl);
	int n = b ? snprintf(host, PATH_MAX, "%s%s", b->host, g + bl)
		  : snprintf(host, PATH_MAX, "%s%s", r->tree, *g ? g : "/");
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	return !b ? TP_TREE : b->writable ? TP_BIND_RW : TP_BIND_RO;
}

/* rest = link + tail (tail starts with '/' or is empty) */
static int splice(char *rest, size_t size, const char *link, const char *tail)
{
	char tmp[2 * PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s%s", link, tail) >= (int)sizeof tmp || strlen(tmp) >= size)
		return -ENAMETOOLONG;
	memcpy(rest, tmp, strlen(tmp) + 1);
	return 0;
}

const char *tp_proc_who(const char *p, pid_t self, pid_t *who)
{
	p += strspn(p, "/");
	size_t d = strspn(p, "0123456789");
	if (!strncmp(p, "self/", 5) || !strncmp(p, "thread-self/", 12)) {
		p = strchr(p, '/');
		*who = self;
	} else if (d && d <= 9 && p[d] == '/') {
		*who = (pid_t)strtol(p, NULL, 10);
		p += d;
	} else
		return NULL;
	if (!strncmp(p, "/task/", 6) && (d = strspn(p + 6, "0123456789")) && d <= 9 && p[6 + d] == '/') {
		*who = (pid_t)strtol(p + 6, NULL, 10);
		p += 6 + d;
	}
	return p;
}

/* g is /proc and *rest names a process's root (/self/root, /thread-self/root,
 * /PID/root, /PID/task/TID/root): 1, with *rest moved past it. */
static int proc_root(const char *g, char **rest)
{
	pid_t who;
	const char *p = strcmp(g, "/proc") ? NULL : tp_proc_who(*rest, 0, &who);
	if (!p)
		return 0;
	p += strspn(p, "/");
	if (strncmp(p, "root", 4) || (p[4] && p[4] != '/'))
		return 0;
	*rest = (char *)p + 4;
	return 1;
}

/* g is /proc and *rest names a process's cwd, exe or fd/N link with more
 * components after it (/self/cwd/../x): the link read (as r->pid's own for
 * self), into link. 1 with *rest moved past it; 0 when not such a path (the
 * kernel then follows the magic link itself: a pipe, a deleted file). */
static int proc_link(const struct tp_root *r, const char *g, char **rest, char link[PATH_MAX])
{
	char path[64];
	pid_t who;
	const char *q = strcmp(g, "/proc") || r->pid <= 0 ? NULL : tp_proc_who(*rest, r->pid, &who);
	size_t d, n;
	if (!q)
		return 0;
	n = !strncmp(q, "/cwd", 4) || !strncmp(q, "/exe", 4) ? 4
	  : !strncmp(q, "/fd/", 4) && (d = strspn(q + 4, "0123456789")) && d <= 9 ? 4 + d : 0;
	if (!n || q[n] != '/' || !q[n + strspn(q + n, "/")])
		return 0;
	snprintf(path, sizeof path, "/proc/%d%.*s", (int)who, (int)n, q);
	ssize_t k = readlink(path, link, PATH_MAX - 1);
	if (k <= 0 || link[0] != '/')
		return 0;
	link[k] = 0;
	*rest = (char *)q + n;
	return 1;
}

/* Whether guest path g (no symlink before its last component) is a
 * symlink: 1 with its text in link, 0 when not (or missing), or -errno.
 * A path of the tree is looked up once (the cache); a bind's every time
 * (the app may change it). */
static int link_of(struct tp_root *r, const char *g, char link[PATH_MAX])
{
	char h[PATH_MAX];
	int w = host_of(r, g, h);
	if (w < 0)
		return w;
	uint64_t hash = w == TP_TREE ? hash_of(g, strlen(g)) : 0;
	if (w == TP_TREE && r->capcache) {
		const struct tp_link *e = cache_slot(r->cache, r->capcache, g, hash);
		if (e->key) {
			if (!e->text)
				return 0;
			memcpy(link, e->text, strlen(e->text) + 1);
			return 1;
		}
	}
	ssize_t k = readlink(h, link, PATH_MAX - 1);
	int sys = errno;
	r->nlookup++;
	if (k >= 0)
		link[k] = 0;
	/* (what the tree answers for good: a link, not a link, missing, no access) */
	if (w == TP_TREE && (k >= 0 || sys == EINVAL || sys == ENOENT || sys == ENOTDIR || sys == EACCES))
		cache_put(r, g, hash, k >= 0 ? link : NULL);
	return k >= 0;
}

/* 1 if path p has a `..` component. */
static int dotdot_in(const char *p)
{
	for (const char *q = p; (q = strstr(q, "..")); q += 2)
		if ((q == p || q[-1] == '/') && (q[2] == '/' || !q[2]))
			return 1;
	return 0;
}

int tp_resolve(struct tp_root *r, const char *guest, int follow, char host[PATH_MAX])
{
	char rest[2 * PATH_MAX], g[PATH_MAX] = "", link[PATH_MAX];
	r->nresolve++;
	int hops = 0;
	if (snprintf(rest, sizeof rest, "%s", guest) >= (int)sizeof rest)
		return -ENAMETOOLONG;
	char *p = rest;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p), gl = strlen(g);
		const char *q = end;
		while (*q == '/')
			q++;
		int last = !*q;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			char *s = strrchr(g, '/');
			if (n == 2 && s)   /* `..` of `/` is `/` */
				*s = 0;
			p = end;
			continue;
		}
		if (gl + 1 + n >= PATH_MAX)
			return -ENAMETOOLONG;
		g[gl] = '/';
		memcpy(g + gl + 1, p, n);
		g[gl + 1 + n] = 0;
		p = end;
		size_t bl;
		const struct tp_bind *b = bind_of(r, g, &bl);
		if (b && b->verbatim && proc_root(g, &p)) {   /* /proc/PID/root: the tree's `/` */
			g[0] = 0;
			continue;
		}
		char *after = p, gl2[PATH_MAX];
		if (b && b->verbatim && proc_link(r, g, &after, link) && tp_to_guest(r, link, gl2) == 0) {
			/* /proc/self/cwd/..: the directory's guest path, resolved here */
			int rc = splice(rest, sizeof rest, gl2, after);
			if (rc < 0)
				return rc;
			if (++hops > 40)
				return -ELOOP;
			g[0] = 0;
			p = rest;
			continue;
		}
		if (b && b->verbatim && !dotdot_in(p)) {   /* /proc and the like: the kernel's own links */
			if (snprintf(host, PATH_MAX, "%s%s%s", b->host, g + bl, p) >= PATH_MAX)
				return -ENAMETOOLONG;
			return TP_BIND_RW;
		}
		if (b && b->verbatim)
			continue;   /* a `..` further on (/dev/..): by name here too, as everywhere, not the host's */
		if (last && !follow)
			break;
		int rc = link_of(r, g, link);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;   /* not a link (or missing: the kernel will say) */
		if (++hops > 40)
			return -ELOOP;
		if (link[0] == '/')
			g[0] = 0;
		else
			*strrchr(g, '/') = 0;
		if ((rc = splice(rest, sizeof rest, link, p)) < 0)
			return rc;
		p = rest;
	}
	return host_of(r, g, host);
}

int tp_in_tree(const struct tp_root *r, const char *host)
{
	return !strncmp(host, r->tree, r->ntree) && (host[r->ntree] == 0 || host[r->ntree] == '/');
}

const struct tp_bind *tp_bind_of_host(const struct tp_root *r, const char *host, size_t *len)
{
	const struct tp_bind *best = NULL;
	size_t bl = 0;
	for (int i = 0; i < r->nbinds; i++) {
		size_t n = strlen(r->binds[i].host);
		if (n > bl && !strncmp(host, r->binds[i].host, n) && (host[n] == 0 || host[n] == '/'))
			best = &r->binds[i], bl = n;
	}
	*len = bl;
	return best;
}

int tp_to_guest(const struct tp_root *r, const char *host, char guest[PATH_MAX])
{
	if (tp_in_tree(r, host)) {
		snprintf(guest, PATH_MAX, "%s", host[r->ntree] ? host + r->ntree : "/");
		return 0;
	}
	size_t bl;
	const struct tp_bind *best = tp_bind_of_host(r, host, &bl);
	if (!best) {
		snprintf(guest, PATH_MAX, "%s", host);
		return -1;
	}
	snprintf(guest, PATH_MAX, "%s%s", best->guest, host + bl);
	return 0;
}
