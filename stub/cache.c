#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/cpus.h"
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/netfs.h"
#include "../common/xio.h"
#include "blob.h"
#include "tree.h"


static int open_dir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A private directory of the cache (fsutil.h), with the cache's advice. */
static int open_private(int dirfd, const char *name, const char *shown, struct err *e)
{
	struct stat st;
	int fd = private_dir_open(dirfd, name, &st);
	if (fd >= 0)
		return fd;
	if (errno != EPERM)
		return err_sys(e, EXIT_SETUP, "cannot create or open cache directory %s", shown);
	return err_set(e, EXIT_SETUP, "cache directory %s is not private (owner uid %u, mode %03o); "
		       "use a directory you own that others cannot write (chmod go-w, or set BOXCAR_CACHE)",
		       shown, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
}

/* Layers are exec'd from: a noexec mount would fail later, obscurely. */
static int check_exec(int fd, const char *root, struct err *e)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOEXEC))
		return err_set(e, EXIT_SETUP, "cache %s is on a noexec mount; point BOXCAR_CACHE at a "
			       "file system that allows executables", root);
	return 0;
}

/* The directory holding the cache must not let others swap the cache
 * out: owned by us or root, and not writable by others unless sticky. */
static int check_parent(const char *root, struct err *e)
{
	char *parent = strdup(root);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	struct stat st;
	int rc = 0;
	if (!parent)
		return err_set(e, EXIT_SETUP, "out of memory");
	if (slash == parent)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	if (mkdir_p(parent, 0700) < 0 || stat(parent, &st) < 0)
		rc = err_sys(e, EXIT_SETUP, "cannot create %s", root);
	else if ((st.st_uid != geteuid() && st.st_uid != 0) ||
		 ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
		rc = err_set(e, EXIT_SETUP, "cache %s is inside %s, which others can modify (owner uid %u, mode %03o); "
			     "set BOXCAR_CACHE to a directory under one you own", root, parent,
			     (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
	free(parent);
	return rc;
}

static int open_ro(struct cache *c, struct err *e)
{
	const char *ro = getenv("BOXCAR_CACHE_RO");
	c->ro_layers = c->ro_flat = -1;
	if (!ro || !*ro)
		return 0;
	if (!(c->ro_root = strdup(ro)))
		return err_set(e, EXIT_SETUP, "out of memory");
	char *p = path_join(ro, "layers"), *f = path_join(ro, "flat");
	c->ro_layers = p ? open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (c->ro_layers >= 0 && f)   /* (optional: seeded from the layers alone) */
		c->ro_flat = open(f, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(p), free(f);
	if (c->ro_layers < 0)
		return err_sys(e, EXIT_SETUP, "read-only cache BOXCAR_CACHE_RO=%s has no layers/ directory", ro);
	log_debug("read-only cache: %s", ro);
	return 0;
}

/* Descend into the store's directories ("ids/TAG"), each private. */
static int open_store(int root, const char *store, const char *shown, struct err *e)
{
	char name[256];
	while (root >= 0 && store && *store) {
		size_t n = strcspn(store, "/");
		if (n >= sizeof name) {
			close(root);
			return err_set(e, EXIT_SETUP, "cache store name too long in %s", shown);
		}
		snprintf(name, sizeof name, "%.*s", (int)n, store);
		int fd = open_private(root, name, shown, e);
		close(root);
		root = fd;
		store += n + (store[n] == '/');
	}
	return root;
}

/* ROOT (top) or a store below it, with its directories. */
static int open_root(struct cache *c, const char *top, const char *store, struct err *e)
{
	memset(c, 0, sizeof *c);
	c->layers = c->meta = c->tmp = c->locks = c->ro_layers = c->ro_flat = -1;
	c->how = layer_how_self(LAYER_OVERLAY);
	c->root = store ? path_join(top, store) : strdup(top);
	int root = -1;
	if (!c->root)
		err_set(e, EXIT_SETUP, "out of memory");
	else if (top[0] != '/')
		err_set(e, EXIT_SETUP, "BOXCAR_CACHE must be an absolute path, not '%s'", top);
	else if (check_parent(top, e) == 0)
		root = open_store(open_private(AT_FDCWD, top, top, e), store, c->root, e);
	if (root < 0)
		return -1;
	int run = -1;
	if (check_exec(root, c->root, e) == 0 &&
	    (c->layers = open_private(root, "layers", c->root, e)) >= 0 &&
	    (c->meta = open_private(root, "meta", c->root, e)) >= 0 &&
	    (c->tmp = open_private(root, "tmp", c->root, e)) >= 0 &&
	    (c->locks = open_private(root, "locks", c->root, e)) >= 0)
		run = open_private(root, "run", c->root, e);
	close(root);
	if (run < 0)
		return -1;
	close(run);
	return 0;
}

/* Once a process: where the cache is, when not where the user put it. A
 * cache on a network file system is read by every node over the network
 * (the issue HPC sites raise first); node-local storage avoids it. */
static void say_where(const struct cache *c, const char *top, enum cache_origin origin, const char *from)
{
	static int said;
	if (said++)
		return;
	if (origin == CACHE_NODE_LOCAL)
		log_debug("cache: %s, node-local ($%s in Slurm job %s; BOXCAR_CACHE overrides)", top, from,
			  getenv("SLURM_JOB_ID") ? getenv("SLURM_JOB_ID") : "?");
	const char *net = origin == CACHE_SET ? NULL : netfs_name(c->layers);
	if (net)
		log_info("warning: cache %s is on %s, a network file system every node would read it over; use "
			 "node-local storage: BOXCAR_CACHE=/tmp/boxcar-%u ($SLURM_TMPDIR is used by itself in a Slurm "
			 "job), or BOXCAR_CACHE=%s to keep this one", top, net, (unsigned)geteuid(), top);
}

int cache_open(struct cache *c, const char *store, struct err *e)
{
	enum cache_origin origin;
	const char *from;
	char *top = cache_root_choose(&origin, &from);
	if (!top) {
		memset(c, 0, sizeof *c);
		c->layers = c->meta = c->tmp = c->locks = c->ro_layers = c->ro_flat = -1;
		return err_set(e, EXIT_SETUP, "no cache directory: set BOXCAR_CACHE or HOME");
	}
	int rc = open_root(c, top, store, e);
	if (rc == 0)
		say_where(c, top, origin, from);
	free(top);
	if (rc < 0)
		return -1;
	/* a shared read-only cache holds layers as its maker's: right only
	 * where the layer owners do not matter (one mapped id) */
	if (store && getenv("BOXCAR_CACHE_RO") && *getenv("BOXCAR_CACHE_RO"))
		log_debug("BOXCAR_CACHE_RO is not used under subordinate ids (its files are its maker's); "
			  "--boxcar-userns=root or keep-id use it");
	return store ? 0 : open_ro(c, e);
}

int cache_open_dir(struct cache *c, const char *dir, struct err *e)
{
	return open_root(c, dir, NULL, e);
}

int cache_stores(char (*names)[CACHE_STORE_MAX], int max)
{
	char *top = cache_root_path(), *ids = top ? path_join(top, "ids") : NULL;
	DIR *d = ids ? opendir(ids) : NULL;
	struct dirent *de;
	int n = 0;
	while (d && n < max && (de = readdir(d)))
		if (de->d_name[0] != '.' && strlen(de->d_name) + 5 <= CACHE_STORE_MAX)
			snprintf(names[n++], CACHE_STORE_MAX, "ids/%s", de->d_name);
	if (d)
		closedir(d);
	free(ids);
	free(top);
	return n;
}

void cache_close(struct cache *c)
{
	int fds[] = { c->layers, c->meta, c->tmp, c->locks, c->ro_layers, c->ro_flat };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (int i = 0; i < c->nheld; i++)
		close(c->held[i]);
	free(c->held);
	free(c->root);
	free(c->ro_root);
	memset(c, 0, sizeof *c);
}

int cache_has_dir(int dirfd, const char *name)
{
	struct stat st;
	return dirfd >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

char *cache_layer_path(const struct cache *c, const struct payload_layer *l)
{
	const char *hex = digest_hex(l->diff_id);
	char rel[8 + DIGEST_HEX + 1];
	snprintf(rel, sizeof rel, "layers/%s", hex);
	return path_join(cache_has_dir(c->ro_layers, hex) ? c->ro_root : c->root, rel);
}

void cache_remove_stale(const struct cache *c, const char *name)
{
	DIR *d = dir_stream(c->tmp);
	if (!d)
		return;
	struct dirent *de;
	size_t n = strlen(name);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, name, n) == 0 && de->d_name[n] == '.')
			rmtree_at(c->tmp, de->d_name);
	closedir(d);
}

/* Room for `need` bytes of layers? what: "layer X needs" (for the message) */
static int check_space(const struct cache *c, uint64_t need, const char *what, struct err *e)
{
	struct statvfs sv;
	if (fstatvfs(c->tmp, &sv) < 0)
		return 0;
	uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail < need)
		return err_set(e, EXIT_SETUP, "not enough space in cache %s: %s %llu MB, %llu MB free; "
			       "free some space or point BOXCAR_CACHE elsewhere", c->root, what,
			       (unsigned long long)(need >> 20) + 1, (unsigned long long)(avail >> 20));
	return 0;
}

/* meta/<hex>: the tree digest of the extracted layer, written atomically. */
static int record_tree(const struct cache *c, const char *hex, int dirfd,
		       const struct tree_memo *memo, struct err *e)
{
	char sum[TREE_STR + 1], tmpname[DIGEST_HEX + 32];
	if (tree_digest(dirfd, 2, memo, sum, e) < 0)
		return -1;
	size_t n = strlen(sum);
	sum[n++] = '\n';
	snprintf(tmpname, sizeof tmpname, "%s.%d.meta", hex, (int)getpid());
	int fd = openat(c->tmp, tmpname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_full(fd, sum, n) < 0 || close(fd) < 0) {
		int saved = errno;
		unlinkat(c->tmp, tmpname, 0);
		errno = saved;
		return err_sys(e, EXIT_SETUP, "write %s/meta/%s", c->root, hex);
	}
	if (renameat(c->tmp, tmpname, c->meta, hex) < 0)
		return err_sys(e, EXIT_SETUP, "write %s/meta/%s", c->root, hex);
	return 0;
}

static int extract_layer(const struct cache *c, const struct payload *p, int i, struct err *e)
{
	const struct payload_layer *l = &p->layers[i];
	const char *hex = digest_hex(l->diff_id);
	char tmpname[DIGEST_HEX + 24], what[64];
	struct progress prog;
	snprintf(tmpname, sizeof tmpname, "%s.%d", hex, (int)getpid());
	snprintf(what, sizeof what, "extracting layer %d/%d", i + 1, p->nlayers);
	char layer[48];
	snprintf(layer, sizeof layer, "layer %.19s needs", l->diff_id);
	log_debug("extracting layer %.12s (%d/%d)", hex, i + 1, p->nlayers);
	cache_remove_stale(c, hex);
	if (check_space(c, l->usize, layer, e) < 0)
		return -1;
	if (mkdirat(c->tmp, tmpname, 0755) < 0)
		return err_sys(e, EXIT_SETUP, "create %s/tmp/%s", c->root, tmpname);
	int dfd = open_dir(c->tmp, tmpname), rc;
	if (dfd < 0) {
		rc = err_sys(e, EXIT_SETUP, "open %s/tmp/%s", c->root, tmpname);
	} else {
		/* the writer hashes each file for the tree digest as it goes */
		struct layer_how how = c->how;
		how.memo = tree_memo_new();
		progress_start(&prog, what, l->size);
		rc = blob_apply(p->fds ? p->fds[i] : p->fd, l, dfd, &how, &prog, e);
		progress_end(&prog);
		if (rc == 0)
			rc = record_tree(c, hex, dfd, how.memo, e);
		tree_memo_free(how.memo);
		close(dfd);
	}
	if (rc == 0 && renameat(c->tmp, tmpname, c->layers, hex) < 0)
		rc = err_sys(e, EXIT_SETUP, "install layer into %s/layers", c->root);
	if (rc < 0) {
		if (e->kind == ERR_NOSPACE)
			err_ctx(e, "cache %s is full (layer %.19s needs about %llu MB)", c->root,
				l->diff_id, (unsigned long long)(l->usize >> 20) + 1);
		rmtree_at(c->tmp, tmpname);
	}
	return rc;
}

int cache_lock(const struct cache *c, int fd, int op, const char *name, struct err *e)
{
	int rc;
	while ((rc = flock(fd, op)) < 0 && errno == EINTR)
		;
	return rc < 0 ? err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, name) : 0;
}

int cache_build_lock(const struct cache *c, const char *name, int wait, struct err *e)
{
	char lock[NAME_MAX + 1];
	if (snprintf(lock, sizeof lock, "%s.build", name) >= (int)sizeof lock)
		return err_set(e, EXIT_SETUP, "lock name too long: %s", name);
	int fd = openat(c->locks, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, lock);
	int rc;
	while ((rc = flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
		;
	if (rc == 0)
		return fd;
	int busy = errno == EWOULDBLOCK;
	rc = busy ? CACHE_BUSY : err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, lock);
	close(fd);
	return rc;
}

/* With the layer's in-use lock held shared: extract it unless there,
 * waiting for a launcher extracting it now. */
static int ensure_layer(struct cache *c, const struct payload *p, int i, struct err *e)
{
	const char *hex = digest_hex(p->layers[i].diff_id);
	if (cache_has_dir(c->layers, hex))
		return 0;
	int b = cache_build_lock(c, hex, 1, e), rc = 0;
	if (b < 0)
		return -1;
	if (!cache_has_dir(c->layers, hex))   /* (it may have finished meanwhile) */
		rc = extract_layer(c, p, i, e);
	close(b);
	return rc;
}

enum claim { CLAIM_THERE, CLAIM_OURS, CLAIM_BUSY };

/* Lock the layer shared (in use) and, without waiting, claim it: there
 * already, ours to extract (*b: its build lock), or another launcher's. */
static int claim_layer(const struct cache *c, int lk, const char *hex, int *b, struct err *e)
{
	if (cache_lock(c, lk, LOCK_SH, hex, e) < 0)
		return -1;
	if (cache_has_dir(c->layers, hex))
		return CLAIM_THERE;
	if ((*b = cache_build_lock(c, hex, 0, e)) == CACHE_BUSY)
		return CLAIM_BUSY;
	if (*b < 0)
		return -1;
	if (!cache_has_dir(c->layers, hex))
		return CLAIM_OURS;
	close(*b);
	return CLAIM_THERE;
}

struct extract_job { const struct cache *c; const struct payload *p; int i; };

static int extract_in_child(void *arg, struct err *e)
{
	const struct extract_job *j = arg;
	return extract_layer(j->c, j->p, j->i, e);
}

/* A child extracting layer i; *rd: the pipe its error comes back on. It
 * dies with the launcher (its temporary directory is then stale, removed
 * by the next extraction of that layer). */
static pid_t spawn_extract(const struct cache *c, const struct payload *p, int i, int *rd, struct err *e)
{
	struct extract_job j = { c, p, i };
	return child_start(extract_in_child, &j, CHILD_DIES_WITH_PARENT, rd, e);
}

/* Extract layers todo[0..n) at once, one child each, as many at a time as
 * there are cores: a first launch costs its largest layer, not the sum. */
static int extract_parallel(const struct cache *c, const struct payload *p, const int *todo, int n,
			    struct err *e)
{
	int max = cpus_usable(8), done = 0, next = 0, rc = 0;
	/* (a single layer too goes to a child: the launcher, which stays as the
	 * container's supervisor, never holds the extraction's buffers or its
	 * decompressing thread) */
	int *rds = calloc((size_t)n, sizeof *rds);
	pid_t *pids = calloc((size_t)n, sizeof *pids);
	if (!rds || !pids)
		rc = err_set(e, EXIT_SETUP, "out of memory");
	while (rds && pids && done < next + (rc == 0 ? n - next : 0)) {
		if (rc == 0 && next < n && next - done < max) {
			if ((pids[next] = spawn_extract(c, p, todo[next], &rds[next], e)) < 0)
				rc = -1;
			else
				next++;
			continue;
		}
		/* the oldest first: only our own children are waited for */
		char what[48];
		struct err ce = { 0 };
		snprintf(what, sizeof what, "extracting layer %d failed", todo[done] + 1);
		if (child_finish(pids[done], rds[done], what, &ce) < 0 && rc == 0)
			*e = ce, rc = -1;
		done++;
	}
	free(rds), free(pids);
	return rc;
}

int cache_ensure(struct cache *c, const struct payload *p, const char *file, struct err *e)
{
	free(c->held);
	c->nheld = 0;
	size_t n = (size_t)p->nlayers + 1;
	int *todo = calloc(n, sizeof *todo), *wait = calloc(n, sizeof *wait), *builds = calloc(n, sizeof *builds);
	int ntodo = 0, nwait = 0, rc = 0;
	if (!todo || !wait || !builds || !(c->held = calloc(n, sizeof *c->held))) {
		free(todo), free(wait), free(builds);
		return err_set(e, EXIT_SETUP, "out of memory");
	}
	/* claim what is free without waiting, extract it all at once, then wait
	 * for the layers other launchers are extracting */
	for (int i = 0; rc == 0 && i < p->nlayers; i++) {
		const char *hex = digest_hex(p->layers[i].diff_id);
		if (cache_has_dir(c->ro_layers, hex)) {
			log_debug("layer %.12s (%d/%d): in the read-only cache %s", hex, i + 1, p->nlayers, c->ro_root);
			continue;
		}
		int lk = openat(c->locks, hex, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (lk < 0) {
			rc = err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, hex);
			break;
		}
		c->held[c->nheld++] = lk;
		int st = claim_layer(c, lk, hex, &builds[ntodo], e);
		if (st < 0)
			rc = -1;
		else if (st == CLAIM_OURS)
			todo[ntodo++] = i;
		else if (st == CLAIM_BUSY)
			wait[nwait++] = i;
		futimens(lk, NULL);   /* last use, for `boxcar cache prune` */
	}
	/* all of them must fit, or none is extracted */
	uint64_t need = 0;
	char what[32];
	for (int k = 0; k < ntodo; k++)
		need += p->layers[todo[k]].usize;
	snprintf(what, sizeof what, "its %d layers need", ntodo);
	if (rc == 0 && ntodo > 1)
		rc = check_space(c, need, what, e);
	if (rc == 0 && ntodo)
		rc = extract_parallel(c, p, todo, ntodo, e);
	for (int k = 0; k < ntodo; k++)
		close(builds[k]);
	for (int k = 0; rc == 0 && k < nwait; k++)
		rc = ensure_layer(c, p, wait[k], e);
	free(todo), free(wait), free(builds);
	return rc < 0 ? err_ctx(e, "%s", file) : 0;
}

int cache_verify_layer(const struct cache *c, const char *hex, struct err *e)
{
	char want[TREE_STR], got[TREE_STR];
	char *rec = read_file_at(c->meta, hex, 128, NULL);
	if (!rec)
		return err_sys(e, EXIT_SETUP, "layer %.12s: no digest recorded in %s/meta", hex, c->root);
	snprintf(want, sizeof want, "%s", rec);
	want[strcspn(want, "\n")] = 0;
	free(rec);
	int fd = open_dir(c->layers, hex);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "layer %.12s", hex);
	int rc = tree_digest(fd, tree_record_version(want), NULL, got, e);
	close(fd);
	if (rc < 0)
		return err_ctx(e, "layer %.12s", hex);
	if (strcmp(want, got) != 0)
		return err_set(e, EXIT_SETUP, "layer %.12s in %s/layers has been modified since it was extracted; "
			       "remove it (boxcar cache prune --all) to extract it again", hex, c->root);
	return 0;
}

/* Apparent size of the files under dirfd. */
static unsigned long long tree_bytes(int dirfd, int depth)
{
	DIR *d = dir_stream(dirfd);
	unsigned long long sum = 0;
	struct dirent *de;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		sum += (unsigned long long)st.st_size;
		if (S_ISDIR(st.st_mode) && depth < 512) {
			int sub = open_dir(dirfd, de->d_name);
			if (sub >= 0) {
				sum += tree_bytes(sub, depth + 1);
				close(sub);
			}
		}
	}
	closedir(d);
	return sum;
}

int cache_each(const struct cache *c, int (*fn)(const struct cache *, const struct cache_entry *, void *),
	       void *arg, struct err *e)
{
	DIR *d = dir_stream(c->layers);
	if (!d)
		return err_sys(e, EXIT_SETUP, "read %s/layers", c->root);
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		struct cache_entry ce = { 0 };
		struct stat st;
		if (strlen(de->d_name) != DIGEST_HEX || !cache_has_dir(c->layers, de->d_name))
			continue;
		memcpy(ce.hex, de->d_name, DIGEST_HEX + 1);
		if (fstatat(c->locks, ce.hex, &st, 0) == 0 || fstatat(c->layers, ce.hex, &st, 0) == 0)
			ce.last_used = st.st_mtime;
		int lfd = open_dir(c->layers, ce.hex);
		if (lfd >= 0) {
			ce.bytes = tree_bytes(lfd, 0);
			close(lfd);
		}
		rc = fn(c, &ce, arg);
	}
	closedir(d);
	return rc;
}

int cache_retire(const struct cache *c, int dirfd, const char *hex, const char *name, const char *what,
		 struct err *e)
{
	char gone[NAME_MAX + 1];
	int lk = openat(c->locks, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lk < 0)
		return err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, name);
	if (flock(lk, LOCK_EX | LOCK_NB) < 0) {
		close(lk);
		return errno == EWOULDBLOCK ? 0 : err_sys(e, EXIT_SETUP, "lock %s/locks/%s", c->root, name);
	}
	/* out of sight first (atomic), then delete at leisure */
	snprintf(gone, sizeof gone, "%s.%d.pruned", name, (int)getpid());
	int rc = renameat(dirfd, hex, c->tmp, gone) < 0 ? err_sys(e, EXIT_SETUP, "remove %s %.12s", what, hex) : 1;
	if (rc == 1) {
		unlinkat(c->meta, name, 0);
		if (rmtree_at(c->tmp, gone) < 0)
			rc = err_sys(e, EXIT_SETUP, "remove %s/tmp/%s", c->root, gone);
	}
	close(lk);
	return rc;
}

int cache_remove(const struct cache *c, const char *hex, struct err *e)
{
	return cache_retire(c, c->layers, hex, hex, "layer", e);
}
