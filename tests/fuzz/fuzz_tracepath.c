/* libFuzzer target: the trace engine's path resolver (runner/tracepath.c).
 * Input: a byte of flags (bit 0: follow the last component), then a guest
 * path. The tree, made once, holds the links an escape would use (absolute,
 * relative, `..` chains, a loop), a writable bind and /proc verbatim.
 * What is checked: a result in the tree is under the tree, a bind's under
 * that bind's host path, neither with a `..` left (/proc/.. was the host's
 * root once); the tree's result maps back to a guest path (tp_to_guest).
 * A breach aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../runner/tracepath.h"
#include "fuzz_util.h"

static struct tp_root root;
static char priv[PATH_MAX];

static void mk(const char *rel, const char *link)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", root.tree, rel);
	if (link ? symlink(link, p) < 0 : mkdir(p, 0755) < 0)
		abort();
}

static void setup(void)
{
	snprintf(root.tree, sizeof root.tree, "%s/tree", fuzz_dir());
	snprintf(priv, sizeof priv, "%s/priv", fuzz_dir());
	if (mkdir(root.tree, 0755) < 0 || mkdir(priv, 0755) < 0)
		abort();
	root.ntree = strlen(root.tree);
	mk("etc", NULL), mk("usr", NULL), mk("usr/bin", NULL), mk("deep", NULL), mk("deep/a", NULL);
	mk("bin", "usr/bin"), mk("abs", "/etc"), mk("up", "../../.."), mk("deep/a/up", "../../../../x");
	mk("loop", "loop"), mk("esc", "/../../../etc"), mk("tmplink", "/tmp/x"), mk("proclink", "/proc/self/root");
	if (tp_bind(&root, "/tmp", priv, 1, 0) < 0 || tp_bind(&root, "/proc", "/proc", 1, 1) < 0)
		abort();
}

/* 1 if s is dir or below it. */
static int under(const char *s, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(s, dir, n) && (s[n] == '/' || !s[n]);
}

static int has_dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || !p[3])
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char guest[PATH_MAX], host[PATH_MAX], back[PATH_MAX];
	if (!ready)
		setup(), ready = 1;
	if (size < 1 || size > PATH_MAX - 2)
		return 0;
	guest[0] = '/';
	memcpy(guest + 1, data + 1, size - 1);
	guest[size] = 0;
	int w = tp_resolve(&root, guest, data[0] & 1, host);
	if (w == TP_TREE) {
		if (!under(host, root.tree) || has_dotdot(host + root.ntree) || tp_to_guest(&root, host, back) < 0 ||
		    back[0] != '/')
			abort();
	} else if (w == TP_BIND_RO || w == TP_BIND_RW) {
		if ((!under(host, priv) && !under(host, "/proc")) || has_dotdot(host))
			abort();   /* (a `..` left would be the kernel's, from the host's /proc or /tmp) */
	}
	return 0;
}
