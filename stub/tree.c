#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../common/xio.h"
#include "../common/fsutil.h"

/* v1 feeds a file's bytes into the tree digest; v2 its own sha256, which
 * the extraction already computed (the memo), so no second read. */
static int hash_file(struct digest *d, int dirfd, const char *name, int v2)
{
	static unsigned char buf[1 << 16];
	struct digest own;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	digest_init(&own);
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			digest_update(v2 ? &own : d, buf, (size_t)r);
	close_keep_errno(fd);
	if (r == 0 && v2) {
		char sum[DIGEST_STR];
		digest_final(&own, sum);
		digest_update(d, sum, DIGEST_STR - 1);
	}
	return r < 0 ? -1 : 0;
}

struct walk {
	struct digest d;
	int v2;
	const struct tree_memo *memo;   /* v2 only; may be NULL */
	struct err *e;
};

static int hash_dir(struct walk *w, int dirfd, const char *prefix, int depth);

/* A regular file's content: from the memo when it knows the file. */
static int hash_content(struct walk *w, int dirfd, const char *name, const char *path, uint64_t size)
{
	const char *sum = w->v2 ? tree_memo_get(w->memo, path, size) : NULL;
	if (sum) {
		digest_update(&w->d, sum, DIGEST_STR - 1);
		return 0;
	}
	return hash_file(&w->d, dirfd, name, w->v2);
}

/* One entry: a record line, then its content (or children). */
static int hash_entry(struct walk *w, int dirfd, const char *name, const char *path, int depth)
{
	struct digest *d = &w->d;
	struct err *e = w->e;
	struct stat st;
	char rec[128], link[PATH_MAX];
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, EXIT_SETUP, "stat %s", path);
	/* a whiteout of either form (fsutil.h) counts as the device 0/0: a
	 * layer digests the same however its whiteouts could be stored */
	if (S_ISREG(st.st_mode) && is_whiteout_at(dirfd, name, &st)) {
		st.st_mode = S_IFCHR | (st.st_mode & 07777);
		st.st_rdev = 0;
	}
	digest_update(d, path, strlen(path));
	int n = snprintf(rec, sizeof rec, "\n%o %llu\n", (unsigned)st.st_mode,
			 S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (unsigned long long)st.st_size : 0ULL);
	digest_update(d, rec, (size_t)n);
	if (S_ISREG(st.st_mode) && hash_content(w, dirfd, name, path, (uint64_t)st.st_size) < 0)
		return err_sys(e, EXIT_SETUP, "read %s", path);
	if (S_ISLNK(st.st_mode)) {
		ssize_t k = readlinkat(dirfd, name, link, sizeof link);
		if (k < 0)
			return err_sys(e, EXIT_SETUP, "readlink %s", path);
		digest_update(d, link, (size_t)k);
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		n = snprintf(rec, sizeof rec, "dev %llu\n", (unsigned long long)st.st_rdev);
		digest_update(d, rec, (size_t)n);
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "open %s", path);
	char v[4];
	if (fgetxattr(fd, "user.overlay.opaque", v, sizeof v) > 0)
		digest_update(d, "opaque\n", 7);
	int rc = hash_dir(w, fd, path, depth + 1);
	close(fd);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hash_dir(struct walk *w, int dirfd, const char *prefix, int depth)
{
	struct err *e = w->e;
	if (depth > 512)
		return err_set(e, EXIT_SETUP, "directories nest too deeply at %s", prefix);
	DIR *dir = dir_stream(dirfd);
	if (!dir)
		return err_sys(e, EXIT_SETUP, "read directory %s", prefix);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);
			if (!nn) { rc = err_set(e, EXIT_SETUP, "out of memory"); break; }
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			rc = err_set(e, EXIT_SETUP, "out of memory");
		else
			n++;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		if (rc == 0 && asprintf(&path, "%s/%s", prefix, names[i]) < 0)
			rc = err_set(e, EXIT_SETUP, "out of memory");
		if (rc == 0)
			rc = hash_entry(w, dirfd, names[i], path, depth);
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

int tree_digest(int dirfd, int version, const struct tree_memo *memo, char out[TREE_STR],
		struct err *e)
{
	struct walk w = { .v2 = version == 2, .memo = memo, .e = e };
	digest_init(&w.d);
	if (hash_dir(&w, dirfd, "", 0) < 0)
		return -1;
	char sum[DIGEST_STR];
	digest_final(&w.d, sum);
	snprintf(out, TREE_STR, "%s%s", w.v2 ? TREE_V2_TAG : "", sum);
	return 0;
}

int tree_record_version(const char *rec)
{
	return strncmp(rec, TREE_V2_TAG, strlen(TREE_V2_TAG)) == 0 ? 2 : 1;
}

/* The memo: an open-addressing table of path -> (size, "sha256:..."). */
struct memo_slot {
	char *path;
	uint64_t size;
	char sum[DIGEST_STR];
};

struct tree_memo {
	struct memo_slot *slot;
	size_t cap, used;
	int poisoned;
};

static size_t memo_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct memo_slot *memo_find(const struct tree_memo *m, const char *path)
{
	size_t i = memo_hash(path) & (m->cap - 1);
	while (m->slot[i].path && strcmp(m->slot[i].path, path) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

static int memo_grow(struct tree_memo *m)
{
	struct tree_memo n = { .cap = m->cap ? m->cap * 2 : 1024 };
	if (!(n.slot = calloc(n.cap, sizeof *n.slot)))
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].path)
			*memo_find(&n, m->slot[i].path) = m->slot[i];
	free(m->slot);
	m->slot = n.slot, m->cap = n.cap;
	return 0;
}

struct tree_memo *tree_memo_new(void)
{
	struct tree_memo *m = calloc(1, sizeof *m);
	if (m && memo_grow(m) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

void tree_memo_free(struct tree_memo *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slot[i].path);
	free(m->slot);
	free(m);
}

void tree_memo_put(struct tree_memo *m, const char *path, uint64_t size, const char *sum)
{
	if (!m || m->poisoned)
		return;
	if (2 * (m->used + 1) > m->cap && memo_grow(m) < 0) {
		m->poisoned = 1;   /* out of memory: the walk reads the files instead */
		return;
	}
	struct memo_slot *s = memo_find(m, path);
	if (!s->path) {
		if (!(s->path = strdup(path))) {
			m->poisoned = 1;
			return;
		}
		m->used++;
	}
	s->size = size;
	memcpy(s->sum, sum, DIGEST_STR);
}

void tree_memo_forget(struct tree_memo *m, const char *path)
{
	if (m && !m->poisoned) {
		struct memo_slot *s = memo_find(m, path);
		if (s->path)
			s->sum[0] = 0;   /* (kept in place: later slots of its chain stay reachable) */
	}
}

void tree_memo_poison(struct tree_memo *m)
{
	if (m)
		m->poisoned = 1;
}

const char *tree_memo_get(const struct tree_memo *m, const char *path, uint64_t size)
{
	if (!m || m->poisoned)
		return NULL;
	const struct memo_slot *s = memo_find(m, path);
	return s->path && s->sum[0] && s->size == size ? s->sum : NULL;
}
