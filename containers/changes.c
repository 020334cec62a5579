#include "changes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../common/child.h"
#include "../common/fsutil.h"

/* The id map the container ran under: its store, and whose files these are. */
static int kept_userns(const struct state_rec *r, struct userns *u, struct err *e)
{
	int mode = userns_parse(r->userns);
	/* "host" (real root) is chosen again from geteuid() */
	return userns_choose(mode < 0 ? USERNS_ROOT : (enum userns_mode)mode, u, e);
}

static const char *rec_name(const struct state_rec *r)
{
	return r->name[0] ? r->name : r->id;
}

static int open_lowers(struct kept *k, struct err *e)
{
	k->lowers = calloc((size_t)k->p.nlayers + 1, sizeof *k->lowers);
	if (!k->lowers)
		return err_set(e, EXIT_SETUP, "out of memory");
	for (int i = 0; i < k->p.nlayers; i++, k->nlowers++)
		if (!(k->lowers[i] = cache_layer_path(&k->c, &k->p.layers[k->p.nlayers - 1 - i])))
			return err_set(e, EXIT_SETUP, "out of memory");
	return 0;
}

int kept_open(const struct state_rec *r, struct kept *k, struct err *e)
{
	struct userns u;
	char path[sizeof r->keep + 8];
	memset(k, 0, sizeof *k);
	k->upper = -1;
	k->p.fd = -1;
	if (!r->keep[0])
		return err_set(e, EXIT_SETUP, "container %s keeps no changes: only named containers "
			       "(--boxcar-name) keep their writable layer", rec_name(r));
	if (kept_userns(r, &u, e) < 0 || payload_open(r->file, NULL, &k->p, e) < 0)
		return -1;
	if (userns_cache_open(&u, &k->c, e) < 0) {
		memset(&k->c, 0, sizeof k->c);
		return -1;
	}
	size_t n = strlen(k->c.root);
	if (strncmp(r->keep, k->c.root, n) != 0 || r->keep[n] != '/')
		return err_set(e, EXIT_SETUP, "container %s was run under another id map (its changes are in %s); "
			       "run it with the same --boxcar-userns", rec_name(r), r->keep);
	if (userns_enter_files(&u, e) < 0 || cache_ensure(&k->c, &k->p, r->file, e) < 0 || open_lowers(k, e) < 0)
		return -1;
	k->owners = u.mode == USERNS_SUBIDS || u.mode == USERNS_HOST;
	k->volumes = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(k->p.config, "config"), "Volumes");
	snprintf(path, sizeof path, "%s/upper", r->keep);
	k->upper = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (k->upper < 0 && errno != ENOENT)
		return err_sys(e, EXIT_SETUP, "open %s", path);
	return 0;
}

void kept_close(struct kept *k)
{
	if (k->upper >= 0)
		close(k->upper);
	for (int i = 0; i < k->nlowers; i++)
		free(k->lowers[i]);
	free(k->lowers);
	if (k->c.root)
		cache_close(&k->c);
	payload_close(&k->p);
}

/* (in a child: entering the container's id map is for good) */
static int remove_in_userns(void *arg, struct err *e)
{
	const struct state_rec *r = arg;
	struct userns u;
	if (kept_userns(r, &u, e) < 0 || userns_enter_files(&u, e) < 0)
		return -1;
	if (rmtree_at(AT_FDCWD, r->keep) < 0)
		return err_sys(e, EXIT_SETUP, "could not remove the changes of container %s in %s",
			       rec_name(r), r->keep);
	return 0;
}

int kept_remove(const struct state_rec *r, struct err *e)
{
	char what[320];
	if (!r->keep[0])
		return 0;
	snprintf(what, sizeof what, "removing the changes of container %s failed", rec_name(r));
	return child_run(remove_in_userns, (void *)r, 0, what, e);
}

static int is_opaque(int fd)
{
	char v[2];
	return fgetxattr(fd, "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in d, sorted (malloc'd; *n set). */
static char **sorted_names(DIR *d, int *n)
{
	char **v = NULL;
	int cap = 0;
	struct dirent *de;
	*n = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *v);
			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[*n] = strdup(de->d_name)))
			goto oom;
		++*n;
	}
	if (v)
		qsort(v, (size_t)*n, sizeof *v, by_name);
	return v ? v : calloc(1, sizeof *v);
oom:
	for (int i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

/* path[0..len) is dfd's path; dfd is consumed. */
static int walk_dir(int dfd, char *path, size_t len, change_fn fn, void *arg, struct err *e)
{
	DIR *d = fdopendir(dfd);
	int n = 0, rc = 0;
	char **names = d ? sorted_names(d, &n) : NULL;
	if (!names) {
		rc = err_sys(e, EXIT_SETUP, "read directory %s", len ? path : "/");
		goto out;
	}
	for (int i = 0; rc == 0 && i < n; i++) {
		struct stat st;
		size_t nl = strlen(names[i]);
		if (len + 1 + nl >= PATH_MAX) {
			rc = err_set(e, EXIT_SETUP, "path too long under %s", path);
			break;
		}
		path[len] = '/';
		memcpy(path + len + 1, names[i], nl + 1);
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = err_sys(e, EXIT_SETUP, "stat %s", path);
			break;
		}
		enum change_kind kind = S_ISCHR(st.st_mode) && st.st_rdev == 0 ? CHANGE_WHITEOUT : CHANGE_ENTRY;
		int sub = -1;
		if (S_ISDIR(st.st_mode)) {
			if ((sub = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				rc = err_sys(e, EXIT_SETUP, "open %s", path);
				break;
			}
			if (is_opaque(sub))
				kind = CHANGE_OPAQUE;
		}
		rc = fn(path, dirfd(d), names[i], &st, kind, arg);
		if (rc == 0 && sub >= 0)
			rc = walk_dir(sub, path, len + 1 + nl, fn, arg, e);
		else if (sub >= 0)
			close(sub);
		rc = rc > 0 ? 0 : rc;
		path[len] = 0;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	if (d)
		closedir(d);
	else
		close(dfd);
	return rc;
}

int changes_walk(int upper, change_fn fn, void *arg, struct err *e)
{
	char path[PATH_MAX] = "";
	if (upper < 0)
		return 0;   /* never mounted: no changes */
	int fd = dir_dup(upper);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "dup");
	return walk_dir(fd, path, 0, fn, arg, e);
}

enum { LOWER_NEXT, LOWER_PRESENT, LOWER_ABSENT };

/* Look `path` up in one lower dir, as overlay would. */
static int lookup_lower(const char *lower, const char *path)
{
	char comp[NAME_MAX + 1];
	struct err e = { 0 };   /* (a path the walker refuses is in no lower) */
	const char *p = path;
	int dfd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC), opaque = 0, rc = LOWER_NEXT;
	while (dfd >= 0 && beneath_next(&p, path, comp, &e) > 0) {
		int last = p[strspn(p, "/")] == 0;
		struct stat st;
		if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = opaque ? LOWER_ABSENT : LOWER_NEXT;   /* an opaque dir hides what is below */
			break;
		}
		if (is_whiteout_at(dfd, comp, &st) || (!last && !S_ISDIR(st.st_mode))) {
			rc = LOWER_ABSENT;
			break;
		}
		if (last) {
			rc = LOWER_PRESENT;
			break;
		}
		int sub = beneath_step(dfd, comp, 0);
		close(dfd);
		dfd = sub;
		opaque = sub >= 0 && is_opaque(sub);
	}
	if (dfd >= 0)
		close(dfd);
	return rc;
}

int changes_in_lowers(const struct kept *k, const char *path)
{
	for (int i = 0; i < k->nlowers; i++) {
		int rc = lookup_lower(k->lowers[i], path);
		if (rc != LOWER_NEXT)
			return rc == LOWER_PRESENT;
	}
	return 0;
}

int changes_in_volume(const struct kept *k, const char *path)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, k->volumes) {
		size_t n = v->string ? strlen(v->string) : 0;
		while (n > 1 && v->string[n - 1] == '/')
			n--;
		if (n > 1 && !strncmp(path, v->string, n) && (path[n] == 0 || path[n] == '/'))
			return 1;
	}
	return 0;
}

static int print_change(const char *path, int dirfd, const char *name, const struct stat *st,
			enum change_kind kind, void *arg)
{
	(void)dirfd, (void)name, (void)st;
	if (changes_in_volume(arg, path))
		return 1;
	char c = kind == CHANGE_WHITEOUT ? 'D' : changes_in_lowers(arg, path) ? 'C' : 'A';
	return printf("%c %s\n", c, path) < 0 ? -1 : 0;
}

int diff_command(int argc, char **argv)
{
	struct err e = { 0 };
	struct state_rec r;
	struct kept k;
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "boxcar: usage: boxcar diff NAME\n");
		return EXIT_USAGE;
	}
	int sfd = state_open(&e);
	if (sfd < 0 || state_find(sfd, argv[1], &r, &e) < 0) {
		if (sfd >= 0)
			close(sfd);
		return err_print(&e);
	}
	close(sfd);
	int rc = kept_open(&r, &k, &e) < 0 ? -1 : changes_walk(k.upper, print_change, &k, &e);
	kept_close(&k);
	if (fflush(stdout) != 0 && rc == 0)
		rc = err_sys(&e, EXIT_SETUP, "write the list");
	return rc < 0 ? err_print(&e) : 0;
}
