/* libFuzzer target: an image's /etc/passwd and /etc/group as read to
 * resolve its User (stub/user.c). Input: "SPEC\0PASSWD\0GROUP". */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../common/fsutil.h"
#include "../../common/xio.h"
#include "../../stub/user.h"

static int root = -1;

static void put(const char *name, const char *text, size_t n)
{
	int fd = openat(root, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		write_full(fd, text, n);
		close(fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (root < 0) {
		char tmpl[] = "/tmp/fuzz-user.XXXXXX";
		if (!mkdtemp(tmpl))
			abort();
		root = open(tmpl, O_RDONLY | O_DIRECTORY);
		mkdirat(root, "etc", 0755);
	}
	const char *s = (const char *)data, *end = s + size;
	const char *p1 = memchr(s, 0, size);
	const char *p2 = p1 ? memchr(p1 + 1, 0, (size_t)(end - p1 - 1)) : NULL;
	if (!p2)
		return 0;
	put("etc/passwd", p1 + 1, (size_t)(p2 - p1 - 1));
	put("etc/group", p2 + 1, (size_t)(end - p2 - 1));
	struct user_info u;
	struct err e = { 0 };
	user_resolve(s, &root, 1, &u, &e);
	return 0;
}
