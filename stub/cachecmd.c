#include "cachecmd.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"
#include "cache.h"
#include "flatroot.h"
#include "seed.h"
#include "userns.h"

static const char usage[] =
"usage: boxcar cache ls | du | verify | prune [--older-than DURATION] [--all] | seed FILE DIR\n"
"  DURATION: a number with s, m, h or d (default unit: seconds)\n"
"  seed: extract FILE's layers into DIR, a read-only cache to publish (BOXCAR_CACHE_RO=DIR)\n";

/* "90", "30s", "10m", "2h", "7d" -> seconds; -1 if malformed. */
static long long parse_duration(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v < 0)
		return -1;
	long long mult = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 :
			 !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : -1;
	return mult < 0 || v > (1LL << 40) ? -1 : v * mult;
}

/* arg: NULL for a layer, "flat/" for a flat root */
static int print_entry(const struct cache *c, const struct cache_entry *ce, void *arg)
{
	char when[32];
	struct tm tm;
	(void)c;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&ce->last_used, &tm));
	printf("%s%s  %llu  %s\n", arg ? (const char *)arg : "", ce->hex, ce->bytes, when);
	return 0;
}

static int add_size(const struct cache *c, const struct cache_entry *ce, void *arg)
{
	unsigned long long *sum = arg;
	(void)c;
	sum[0] += ce->bytes;
	sum[1]++;
	return 0;
}

struct prune { time_t cutoff; int removed, busy, flat; struct err *e; };

static int prune_entry(const struct cache *c, const struct cache_entry *ce, void *arg)
{
	struct prune *pr = arg;
	if (ce->last_used > pr->cutoff)
		return 0;
	int r = pr->flat ? flat_remove(c, ce->hex, pr->e) : cache_remove(c, ce->hex, pr->e);
	if (r < 0)
		return -1;
	if (r == 0)
		pr->busy++;
	pr->removed += r;
	return 0;
}

struct verify { int bad, good, flat; };

static int verify_entry(const struct cache *c, const struct cache_entry *ce, void *arg)
{
	struct verify *v = arg;
	struct err e = { 0 };
	if ((v->flat ? flat_verify(c, ce->hex, &e) : cache_verify_layer(c, ce->hex, &e)) < 0) {
		err_print(&e);
		v->bad++;
	} else {
		fprintf(stderr, "boxcar: %s %.12s ok\n", v->flat ? "flat root" : "layer", ce->hex);
		v->good++;
	}
	return 0;
}

/* ROOT/registry/blobs/sha256 (pack/registry.c): blobs last used before
 * cutoff go, as do leftovers of interrupted downloads; one a packer is
 * downloading right now (its .partial is locked) stays. Returns how many. */
static int prune_blobs(const struct cache *c, time_t cutoff)
{
	char *dir = path_join(c->root, "registry/blobs/sha256");
	int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	free(dir);
	DIR *d = dfd < 0 ? NULL : dir_stream(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	struct dirent *de;
	struct stat st;
	int n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime >= cutoff)
			continue;
		int fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlinkat(dfd, de->d_name, 0) == 0)
			n++;
		close(fd);
	}
	closedir(d);
	close(dfd);
	return n;
}

/* ROOT/build (builder/store.h): `boxcar build`'s layer blobs and step
 * records, each file's mtime its last use. fn is called for each; sums
 * what it was given. */
struct build_files {
	time_t cutoff;               /* prune: what was last used before it goes */
	int list;                    /* ls: print each blob */
	unsigned long long bytes, blobs, steps, removed;
};

static void build_dir(const struct cache *c, const char *sub, struct build_files *bf)
{
	char *dir = path_join(c->root, sub);
	int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	free(dir);
	DIR *d = dfd < 0 ? NULL : dir_stream(dfd);
	struct dirent *de;
	struct stat st;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		int blob = !strcmp(sub, "build/blobs") && !strchr(de->d_name, '.');
		if (st.st_mtime < bf->cutoff) {
			int gone = S_ISDIR(st.st_mode) ? rmtree_at(dfd, de->d_name) == 0 : unlinkat(dfd, de->d_name, 0) == 0;
			bf->removed += gone && (blob || !strcmp(sub, "build/steps"));
			continue;
		}
		bf->bytes += (unsigned long long)st.st_size;
		bf->blobs += blob;
		bf->steps += !strcmp(sub, "build/steps");
		if (bf->list && blob) {
			char when[32];
			struct tm tm;
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&st.st_mtime, &tm));
			printf("build/%s  %llu  %s\n", de->d_name, (unsigned long long)st.st_size, when);
		}
	}
	if (d)
		closedir(d);
	if (dfd >= 0)
		close(dfd);
}

static void build_files(const struct cache *c, struct build_files *bf)
{
	build_dir(c, "build/blobs", bf);
	build_dir(c, "build/steps", bf);
	time_t cutoff = bf->cutoff;
	if (cutoff > time(NULL) - 3600)   /* (a build running now keeps its scratch) */
		bf->cutoff = time(NULL) - 3600;
	build_dir(c, "build/tmp", bf);
	bf->cutoff = cutoff;
}

static int cmd_prune(struct cache *c, int root, int argc, char **argv, struct err *e)
{
	long long age = 30LL * 86400;   /* default: unused for 30 days */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--all"))
			age = -1;
		else if (!strcmp(argv[i], "--older-than") && i + 1 < argc && (age = parse_duration(argv[++i])) >= 0)
			;
		else
			return err_set(e, EXIT_USAGE, "bad prune argument '%s'; %s", argv[i],
				       "use --older-than DURATION (30s, 10m, 2h, 7d) or --all");
	}
	struct prune pr = { .cutoff = age < 0 ? (time_t)1 << 62 : time(NULL) - (time_t)age, .e = e };
	if (cache_each(c, prune_entry, &pr, e) < 0)
		return -1;
	log_info("pruned %d layer%s from %s%s", pr.removed, pr.removed == 1 ? "" : "s", c->root,
		 pr.busy ? " (layers in use were kept)" : "");
	pr.removed = pr.busy = 0, pr.flat = 1;
	if (flat_each(c, prune_entry, &pr, e) < 0)
		return -1;
	if (pr.removed || pr.busy)
		log_info("pruned %d flat root%s from %s/flat%s", pr.removed, pr.removed == 1 ? "" : "s", c->root,
			 pr.busy ? " (roots in use were kept)" : "");
	if (!root)   /* (the registry's blobs live in ROOT alone) */
		return 0;
	int blobs = prune_blobs(c, pr.cutoff);
	if (blobs > 0)
		log_info("pruned %d downloaded blob%s from %s/registry", blobs, blobs == 1 ? "" : "s", c->root);
	struct build_files bf = { .cutoff = pr.cutoff };
	build_files(c, &bf);
	if (bf.removed)
		log_info("pruned %llu build cache entr%s from %s/build", bf.removed, bf.removed == 1 ? "y" : "ies", c->root);
	return 0;
}

#define MAX_STORES 8

/* du: the total first, then each store that holds layers */
static int cmd_du(struct cache *c, int n, struct err *e)
{
	unsigned long long sum[MAX_STORES + 1][2] = { { 0, 0 } }, total[2] = { 0, 0 }, flat[2] = { 0, 0 };
	for (int i = 0; i < n; i++) {
		if (cache_each(&c[i], add_size, sum[i], e) < 0 || flat_each(&c[i], add_size, flat, e) < 0)
			return -1;
		total[0] += sum[i][0], total[1] += sum[i][1];
	}
	total[0] += flat[0];
	struct build_files bf = { .cutoff = 0 };
	build_files(&c[0], &bf);
	printf("%llu\t%s (%llu layers, %.1f MB)\n", total[0] + bf.bytes, c[0].root, total[1],
	       (double)(total[0] + bf.bytes) / 1e6);
	for (int i = 0; n > 1 && i < n; i++)
		if (sum[i][1])
			printf("%llu\t%s (%llu layers)\n", sum[i][0], c[i].root, sum[i][1]);
	if (flat[1])
		printf("%llu\t%s (%llu flat roots: their own directories; their files are the layers')\n", flat[0],
		       c[0].root, flat[1]);
	if (bf.blobs || bf.steps)
		printf("%llu\t%s/build (%llu layer blobs, %llu steps: boxcar build's cache)\n", bf.bytes, c[0].root,
		       bf.blobs, bf.steps);
	return 0;
}

/* One verb on one store. */
static int store_command(struct cache *c, int root, const char *verb, int argc, char **argv,
			 struct err *e)
{
	if (!strcmp(verb, "ls")) {
		struct build_files bf = { .list = 1 };
		if (root)
			build_files(c, &bf);
		return cache_each(c, print_entry, NULL, e) < 0 ? -1 : flat_each(c, print_entry, "flat/", e);
	}
	if (!strcmp(verb, "prune"))
		return cmd_prune(c, root, argc, argv, e);
	struct verify v = { 0, 0, 0 };
	if (cache_each(c, verify_entry, &v, e) < 0)
		return -1;
	v.flat = 1;
	if (flat_each(c, verify_entry, &v, e) < 0)
		return -1;
	if (v.bad)
		return err_set(e, EXIT_PACK, "%d of %d layers and flat roots in %s failed verification", v.bad,
			       v.bad + v.good, c->root);
	return 0;
}

/* Open ROOT and each ROOT/ids/TAG store; then, for verbs that read or
 * delete layer files, enter this user's subids namespace: files owned by
 * subordinate ids are only ours in there. */
static int open_stores(struct cache *c, int *n, const char *verb, struct err *e)
{
	char names[MAX_STORES][CACHE_STORE_MAX];
	struct userns u;
	int k = cache_stores(names, MAX_STORES), inside = 0;
	if (cache_open(&c[(*n)++], NULL, e) < 0 || userns_choose(USERNS_AUTO, &u, e) < 0)
		return -1;
	for (int i = 0; i < k; i++) {
		if (cache_open(&c[(*n)++], names[i], e) < 0)
			return -1;
		inside |= u.mode == USERNS_SUBIDS && !strcmp(names[i] + 4, u.tag);
	}
	if (inside && (!strcmp(verb, "prune") || !strcmp(verb, "verify")))
		return userns_enter(&u, e);
	return 0;
}

/* seed FILE DIR (seed.h): the file is read as a payload, not run */
static int seed_command(int argc, char **argv)
{
	struct err e = { 0 };
	struct payload p;
	if (argc != 3) {
		fprintf(stderr, "boxcar: cache seed takes a packed FILE and a DIR\n%s", usage);
		return EXIT_USAGE;
	}
	if (payload_open(argv[1], argv[1], &p, &e) < 0)
		return err_print(&e);
	int rc = cache_seed(&p, argv[1], argv[2], &e);
	payload_close(&p);
	return rc < 0 ? err_print(&e) : 0;
}

int cache_command(int argc, char **argv)
{
	struct err e = { 0 };
	struct cache c[MAX_STORES + 1];
	const char *verb = argc > 0 ? argv[0] : "";
	int rc = 0, n = 0;
	if (!strcmp(verb, "help") || !*verb) {
		fputs(usage, *verb ? stdout : stderr);
		return *verb ? 0 : EXIT_USAGE;
	}
	if (!strcmp(verb, "seed"))
		return seed_command(argc, argv);
	if (strcmp(verb, "ls") && strcmp(verb, "du") && strcmp(verb, "prune") && strcmp(verb, "verify")) {
		fprintf(stderr, "boxcar: unknown cache command '%s'; use ls, du, verify, prune or seed\n", verb);
		return EXIT_USAGE;
	}
	rc = open_stores(c, &n, verb, &e);
	if (rc == 0 && !strcmp(verb, "du"))
		rc = cmd_du(c, n, &e);
	for (int i = 0; rc == 0 && strcmp(verb, "du") && i < n; i++)
		rc = store_command(&c[i], i == 0, verb, argc, argv, &e);
	for (int i = 0; i < n; i++)
		cache_close(&c[i]);
	return rc < 0 ? err_print(&e) : 0;
}

int cache_verify_file(const struct payload *p, const char *file, const struct userns *u)
{
	struct err e = { 0 };
	struct cache c;
	int bad = 0;
	if (userns_cache_open(u, &c, &e) < 0 || userns_enter(u, &e) < 0) {
		cache_close(&c);
		return err_print(&e);
	}
	for (int i = 0; i < p->nlayers; i++) {
		const char *hex = digest_hex(p->layers[i].diff_id);
		struct err le = { 0 };
		if (cache_verify_layer(&c, hex, &le) < 0) {
			err_ctx(&le, "%s", file);
			err_print(&le);
			bad++;
		} else
			fprintf(stderr, "boxcar: layer %d/%d %.12s ok\n", i + 1, p->nlayers, hex);
	}
	char flat[DIGEST_HEX + 1];
	struct err fe = { 0 };
	flat_chain_hex(p, flat);
	int rc = bad ? 1 : flat_verify(&c, flat, &fe);   /* (its layers first: it shares their files) */
	if (rc < 0) {
		err_ctx(&fe, "%s", file);
		err_print(&fe);
		bad++;
	} else if (rc == 0)
		fprintf(stderr, "boxcar: flat root %.12s ok\n", flat);
	cache_close(&c);
	return bad ? EXIT_SETUP : 0;
}
