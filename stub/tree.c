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
#include "../common/fsutil.h"

static int hash_file(struct digest *d, int dirfd, const char *name)
{
	static unsigned char buf[1 << 16];
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			digest_update(d, buf, (size_t)r);
	int saved = errno;
	close(fd);
	errno = saved;
	return r < 0 ? -1 : 0;
}

static int hash_dir(struct digest *d, int dirfd, const char *prefix, int depth, struct err *e);

/* One entry: a record line, then its content (or children). */
static int hash_entry(struct digest *d, int dirfd, const char *name, const char *path,
		      int depth, struct err *e)
{
	struct stat st;
	char rec[128], link[PATH_MAX];
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, EXIT_SETUP, "stat %s", path);
	digest_update(d, path, strlen(path));
	int n = snprintf(rec, sizeof rec, "\n%o %llu\n", (unsigned)st.st_mode,
			 S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (unsigned long long)st.st_size : 0ULL);
	digest_update(d, rec, (size_t)n);
	if (S_ISREG(st.st_mode) && hash_file(d, dirfd, name) < 0)
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
	int rc = hash_dir(d, fd, path, depth + 1, e);
	close(fd);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hash_dir(struct digest *d, int dirfd, const char *prefix, int depth, struct err *e)
{
	if (depth > 512)
		return err_set(e, EXIT_SETUP, "directories nest too deeply at %s", prefix);
	int fd = dir_dup(dirfd);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, EXIT_SETUP, "read directory %s", prefix);
	}
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
			rc = hash_entry(d, dirfd, names[i], path, depth, e);
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

int tree_digest(int dirfd, char out[DIGEST_STR], struct err *e)
{
	struct digest d;
	digest_init(&d);
	if (hash_dir(&d, dirfd, "", 0, e) < 0)
		return -1;
	digest_final(&d, out);
	return 0;
}
