#include "spank_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/payload.h"

#define FAIL(...) (snprintf(why, len, __VA_ARGS__), -1)

static int push(struct spank_args *a, const char *prefix, const char *val, size_t n)
{
	char **o = realloc(a->opts, (size_t)(a->nopts + 1) * sizeof *o);
	if (!o)
		return -1;
	a->opts = o;
	size_t p = strlen(prefix);
	char *s = malloc(p + n + 1);
	if (!s)
		return -1;
	memcpy(s, prefix, p);
	memcpy(s + p, val, n);
	s[p + n] = 0;
	a->opts[a->nopts++] = s;
	return 0;
}

/* One /SRC:/DST[:ro|rw] of --boxcar-mount: the shape is checked here (as
 * the packed file's --boxcar-volume wants it), so srun refuses it before the
 * job starts; the packed file checks the paths themselves. */
static int add_mount(struct spank_args *a, const char *m, size_t n, char *why, size_t len)
{
	const char *c = memchr(m, ':', n);
	if (!n || !c || m[0] != '/' || c + 1 == m + n || c[1] != '/')
		return FAIL("bad --boxcar-mount '%.*s': use /SRC:/DST[:ro] (absolute paths)", (int)n, m);
	const char *c2 = memchr(c + 1, ':', (size_t)(m + n - c - 1));
	if (c2 && !(m + n - c2 == 3 && (!memcmp(c2, ":ro", 3) || !memcmp(c2, ":rw", 3))))
		return FAIL("bad --boxcar-mount '%.*s': the only flags are :ro and :rw", (int)n, m);
	return push(a, "--boxcar-volume=", m, n) < 0 ? FAIL("out of memory") : 0;
}

/* One NAME=VALUE, or NAME alone (its value in the task's environment,
 * which srun exports from the caller's), of --boxcar-env */
static int add_env(struct spank_args *a, const char *v, size_t n, char *why, size_t len)
{
	const char *eq = memchr(v, '=', n);
	size_t name = eq ? (size_t)(eq - v) : n;
	if (!name)
		return FAIL("bad --boxcar-env '%.*s': use NAME=VALUE or NAME", (int)n, v);
	for (size_t i = 0; i < name; i++)
		if (!(v[i] == '_' || (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
		      (i && v[i] >= '0' && v[i] <= '9')))
			return FAIL("bad --boxcar-env '%.*s': NAME is letters, digits and '_'", (int)n, v);
	return push(a, "--boxcar-env=", v, n) < 0 ? FAIL("out of memory") : 0;
}

typedef int (*add_fn)(struct spank_args *, const char *, size_t, char *, size_t);

/* A comma-separated list: Slurm passes only an option's last value to the
 * node, so several mounts or variables travel in one. */
static int add_list(struct spank_args *a, const char *val, add_fn add, char *why, size_t len)
{
	for (const char *p = val;; ) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (add(a, p, n, why, len) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int spank_args_add(struct spank_args *a, enum spank_arg_kind kind, const char *val,
		   char *why, size_t len)
{
	static const char *const name[] = { "--boxcar", "--boxcar-mount", "--boxcar-env" };
	if (!val)
		val = "";
	if (kind != SPANK_ARG_FILE && a->seen[kind]++)
		return FAIL("%s is given twice, and Slurm keeps only the last: give it once, "
			    "its values separated by commas", name[kind]);
	switch (kind) {
	case SPANK_ARG_FILE:
		if (!*val)
			return FAIL("--boxcar needs a file packed by boxcar (--boxcar=FILE)");
		free(a->file);
		a->file = strdup(val);
		return a->file ? 0 : FAIL("out of memory");
	case SPANK_ARG_MOUNT:
		return add_list(a, val, add_mount, why, len);
	case SPANK_ARG_ENV:
		return add_list(a, val, add_env, why, len);
	}
	return FAIL("unknown option");
}

const char *spank_args_check_trailer(int fd)
{
	struct stat st;
	char magic[sizeof PAYLOAD_MAGIC - 1];
	if (fstat(fd, &st) < 0)
		return "cannot stat it";
	if (!S_ISREG(st.st_mode))
		return "not a regular file (name a file packed by boxcar)";
	if (st.st_size < PAYLOAD_TRAILER ||
	    pread(fd, magic, sizeof magic, st.st_size - PAYLOAD_TRAILER) != (ssize_t)sizeof magic ||
	    memcmp(magic, PAYLOAD_MAGIC, sizeof magic))
		return "not a file packed by boxcar (no boxcar trailer at its end; make one with boxcar pack)";
	return NULL;
}

char **spank_args_command(const struct spank_args *a, char *join, int argc, char **argv)
{
	static const char ep[] = "--boxcar-entrypoint=";
	size_t n = 2 + (size_t)a->nopts + 2 + (size_t)(argc - 1) + 1;
	size_t slen = sizeof ep + strlen(argv[0]);
	char **v = malloc(n * sizeof *v + slen);
	if (!v)
		return NULL;
	char *s = (char *)(v + n);
	snprintf(s, slen, "%s%s", ep, argv[0]);
	size_t k = 0;
	v[k++] = a->file;
	if (join)
		v[k++] = join;
	for (int i = 0; i < a->nopts; i++)
		v[k++] = a->opts[i];
	v[k++] = s;
	/* only where needed: a file packed before --boxcar-- existed refuses it */
	if (argc > 1 && strncmp(argv[1], "--boxcar-", 9) == 0)
		v[k++] = "--boxcar--";
	for (int i = 1; i < argc; i++)
		v[k++] = argv[i];
	v[k] = NULL;
	return v;
}

void spank_args_free(struct spank_args *a)
{
	for (int i = 0; i < a->nopts; i++)
		free(a->opts[i]);
	free(a->opts);
	free(a->file);
	*a = (struct spank_args){ 0 };
}
