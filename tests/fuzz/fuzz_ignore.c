/* libFuzzer target: .dockerignore patterns and Go globs (builder/ignore.c).
 * Input: PATTERNS \0 PATH. Besides crashes, it checks the promise the
 * context walk relies on: when a directory of PATH is excluded and
 * ignore_may_include_below says nothing under it can come back, PATH is
 * excluded too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../builder/ignore.h"
#include "fuzz_util.h"

/* Paths in a context are under PATH_MAX; longer ones only slow the run. */
#define MAX_PATH 4096

static char *dup_part(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

/* The walk's paths are clean: no empty, "." or ".." component. */
static int is_clean(const char *path)
{
	for (const char *c = path;; c++) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
		if (!*c)
			return 1;
	}
}

/* For each directory above path: excluded and closed means path is excluded. */
static void check_below(const struct ignore *ig, char *path)
{
	int whole = ignore_match(ig, path);
	for (char *p = path; (p = strchr(p + 1, '/'));) {
		*p = 0;
		int closed = ignore_match(ig, path) && !ignore_may_include_below(ig, path);
		*p = '/';
		if (closed && !whole)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *part[2];
	size_t len[2];
	if (!fuzz_split((const char *)data, size, part, len, 2) || len[1] > MAX_PATH)
		return 0;
	char *text = dup_part(part[0], len[0]), *path = dup_part(part[1], len[1]);
	struct ignore *ig = NULL;
	struct err e = { 0 };
	if (ignore_add_text(&ig, text, "fuzz", &e) == 0 && is_clean(path))
		check_below(ig, path);
	ignore_may_include_below(ig, path);
	ignore_free(ig);
	/* the first line as a glob, against the path */
	text[strcspn(text, "\n")] = 0;
	glob_match(text, path);
	glob_has_magic(text);
	free(text);
	free(path);
	return 0;
}
