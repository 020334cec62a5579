/* Seeding a shared read-only cache, and doctor's check of one (seed.h). */
#include "seed.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"
#include "cache.h"
#include "flatroot.h"

/* DIR as an absolute path (malloc'd): the cache's paths must be. */
static char *absolute(const char *dir)
{
	if (dir[0] == '/')
		return strdup(dir);
	char cwd[PATH_MAX];
	return getcwd(cwd, sizeof cwd) ? path_join(cwd, dir) : NULL;
}

/* An existing DIR must be a directory of ours that no one else can write:
 * what it holds is trusted without a check by everyone who uses it. */
static int check_target(const char *dir, struct err *e)
{
	struct stat st;
	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, EXIT_SETUP, "seed %s", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, EXIT_SETUP, "seed: %s is not a directory (a symbolic link is not followed); "
			       "name the directory itself", dir);
	if (st.st_uid != geteuid())
		return err_set(e, EXIT_SETUP, "seed: %s belongs to uid %u, not to you (uid %u): seed it as its "
			       "owner, or into a directory of yours", dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return err_set(e, EXIT_SETUP, "seed: %s can be written by others (mode %03o): anyone could change "
			       "what every container using it runs; chmod go-w %s", dir,
			       (unsigned)(st.st_mode & 0777), dir);
	return 0;
}

/* Open the layout to everyone: its directories 0755, the records 0644
 * (doctor reads them); what the cache keeps to itself (tmp, locks, run)
 * stays 0700. */
static int publish(const char *dir, const struct payload *p, const char *flat, struct err *e)
{
	static const char *const dirs[] = { ".", "layers", "meta", "flat" };
	char name[sizeof FLAT_PREFIX + DIGEST_HEX + 8];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "open %s", dir);
	for (size_t i = 0; rc == 0 && i < sizeof dirs / sizeof *dirs; i++)
		if (fchmodat(fd, dirs[i], 0755, 0) < 0)
			rc = err_sys(e, EXIT_SETUP, "chmod 0755 %s/%s", dir, dirs[i]);
	for (int i = 0; rc == 0 && i <= p->nlayers; i++) {
		if (i < p->nlayers)
			snprintf(name, sizeof name, "meta/%s", digest_hex(p->layers[i].diff_id));
		else
			snprintf(name, sizeof name, "meta/" FLAT_PREFIX "%s", flat);
		if (fchmodat(fd, name, 0644, 0) < 0)
			rc = err_sys(e, EXIT_SETUP, "chmod 0644 %s/%s", dir, name);
	}
	close(fd);
	return rc;
}

/* Extract what is missing (as a launch does: each layer in tmp/, then
 * renamed), merge the flat root from the layers there, open it all up. */
static int seed_into(struct cache *c, const struct payload *p, const char *file, const char *dir,
		     struct err *e)
{
	int had = 0;
	char flat[DIGEST_HEX + 1], *tree = NULL;
	for (int i = 0; i < p->nlayers; i++)
		had += cache_has_dir(c->layers, digest_hex(p->layers[i].diff_id));
	/* files of the seeder's, without what is only safe in a private cache */
	c->how = (struct layer_how){ .mode = LAYER_OVERLAY, .nosuid = 1 };
	if (cache_ensure(c, p, file, e) < 0 || flat_ensure(c, p, &tree, e) < 0)
		return -1;
	free(tree);
	flat_chain_hex(p, flat);
	if (publish(dir, p, flat, e) < 0)
		return -1;
	log_info("seeded %s: %d layer%s extracted, %d already there; flat root %.12s", dir, p->nlayers - had,
		 p->nlayers - had == 1 ? "" : "s", had, flat);
	return 0;
}

int cache_seed(const struct payload *p, const char *file, const char *dir, struct err *e)
{
	struct cache c;
	if (!*dir)   /* (not the working directory by accident) */
		return err_set(e, EXIT_SETUP, "cache seed: the directory to seed is empty: name it (an absolute path, "
			       "the read-only cache to publish)");
	char *abs = absolute(dir);
	if (!abs)
		return err_sys(e, EXIT_SETUP, "seed %s", dir);
	int rc = check_target(abs, e);
	if (rc == 0) {
		rc = cache_open_dir(&c, abs, e);
		if (rc == 0)
			rc = seed_into(&c, p, file, abs, e);
		cache_close(&c);   /* (also after a failed open: its fds are -1) */
	}
	free(abs);
	return rc;
}

/* --- doctor's check of BOXCAR_CACHE_RO ------------------------------------ */

static int is_hex_name(const char *s)
{
	size_t n = 0;
	while (isxdigit((unsigned char)s[n]) && !isupper((unsigned char)s[n]))
		n++;
	return n == DIGEST_HEX && !s[n];
}

/* Writable by group or others: anyone could change what containers run. */
static int others_write(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, 0) == 0 && (st.st_mode & 022) && !(st.st_mode & S_ISVTX) ? 1 : 0;
}

/* layers/: how many layers, and the first entry that is not one. */
static int count_layers(int layers, char *odd, size_t n)
{
	DIR *d = dir_stream(layers);
	struct dirent *de;
	int count = 0;
	*odd = 0;
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (is_hex_name(de->d_name) && cache_has_dir(layers, de->d_name))
			count++;
		else if (!*odd)
			snprintf(odd, n, "%s", de->d_name);
	}
	if (d)
		closedir(d);
	return count;
}

/* What it holds of p: "3 of 5 layers of this file, its flat root". */
static void file_share(int top, int layers, const struct payload *p, char *out, size_t n, struct ro_report *r)
{
	int have = 0, unreadable = -1;
	char flat[DIGEST_HEX + 1], rel[8 + DIGEST_HEX];
	for (int i = 0; i < p->nlayers; i++) {
		const char *hex = digest_hex(p->layers[i].diff_id);
		if (!cache_has_dir(layers, hex))
			continue;
		have++;
		if (unreadable < 0 && faccessat(layers, hex, R_OK | X_OK, 0) < 0)
			unreadable = i;
	}
	flat_chain_hex(p, flat);
	snprintf(rel, sizeof rel, "flat/%s", flat);
	int has_flat = cache_has_dir(top, rel);
	if (unreadable >= 0) {
		r->ok = -1;
		snprintf(out, n, "layer %.12s is not readable by you: its owner should chmod a+rX it",
			 digest_hex(p->layers[unreadable].diff_id));
		return;
	}
	if (!have) {
		r->ok = r->ok > 0 ? 0 : r->ok;
		snprintf(out, n, "none of this file's %d layers: seed them (FILE --boxcar-cache-seed=DIR, "
			 "or boxcar cache seed FILE DIR)", p->nlayers);
		return;
	}
	snprintf(out, n, "%d of this file's %d layers%s%s", have, p->nlayers,
			have < p->nlayers ? " (the rest extract into BOXCAR_CACHE)" : "",
			has_flat ? ", its flat root" : ", not its flat root");
}

void ro_check(const char *dir, const struct payload *p, struct ro_report *r)
{
	char odd[NAME_MAX + 1], share[512] = "";
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int layers = top < 0 ? -1 : openat(top, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r->ok = -1;
	if (top < 0 || layers < 0) {
		snprintf(r->msg, sizeof r->msg, "BOXCAR_CACHE_RO=%s: %s %s: seed it (boxcar cache seed FILE %s) or "
			 "unset BOXCAR_CACHE_RO", dir, strerror(errno), top < 0 ? "opening it" : "opening its layers/",
			 dir);
	} else if (others_write(top, ".") || others_write(top, "layers") || others_write(top, "flat")) {
		snprintf(r->msg, sizeof r->msg, "BOXCAR_CACHE_RO=%s can be changed by others than its owner (its "
			 "directory, layers/ or flat/ is group or world writable): its owner should chmod go-w them",
			 dir);
	} else {
		int n = count_layers(layers, odd, sizeof odd);
		r->ok = *odd ? 0 : 1;
		if (p)
			file_share(top, layers, p, share, sizeof share, r);
		if (*odd)
			snprintf(r->msg, sizeof r->msg, "%s: %d layers; layers/%.64s is not a layer (the layout is "
				 "layers/<64 hex digits>/): remove it%s%s", dir, n, odd, *share ? "; " : "", share);
		else
			snprintf(r->msg, sizeof r->msg, "%s: %d layers%s%s", dir, n, *share ? "; " : "", share);
	}
	if (layers >= 0)
		close(layers);
	if (top >= 0)
		close(top);
}
