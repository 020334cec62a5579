/* Helpers shared by the libFuzzer targets: a scratch directory made once
 * per process, files written into it, and inputs split at NUL bytes. */
#ifndef BOXCAR_FUZZ_UTIL_H
#define BOXCAR_FUZZ_UTIL_H
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../common/digest.h"
#include "../../common/fsutil.h"
#include "../../common/xio.h"

static const char *fuzz_dir(void)
{
	static char dir[] = "/tmp/boxcar-fuzz.XXXXXX";
	static int made;
	if (!made && !mkdtemp(dir))
		abort();
	made = 1;
	return dir;
}

/* Split data at the first n-1 NUL bytes into parts[0..n). 0 if too few. */
static int fuzz_split(const char *data, size_t size, const char **parts, size_t *lens, int n)
{
	const char *p = data, *end = data + size;
	for (int i = 0; i < n - 1; i++) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		if (!z)
			return 0;
		parts[i] = p, lens[i] = (size_t)(z - p);
		p = z + 1;
	}
	parts[n - 1] = p, lens[n - 1] = (size_t)(end - p);
	return 1;
}

/* Write text to dir/rel, replacing each "@X" with subst[X - 'A'] (digests
 * the fuzzer could not guess). Returns the sha256 of what was written. */
static void fuzz_write(const char *dir, const char *rel, const char *text, size_t n,
		       char *const *subst, char out[DIGEST_STR])
{
	char *path = path_join(dir, rel);
	char *buf = malloc(n * 72 + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '@' && i + 1 < n && text[i + 1] >= 'A' && text[i + 1] <= 'Z' &&
		    subst && subst[text[i + 1] - 'A']) {
			size_t l = strlen(subst[text[i + 1] - 'A']);
			memcpy(buf + k, subst[text[i + 1] - 'A'], l);
			k += l, i++;
		} else
			buf[k++] = text[i];
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_full(fd, buf, k) < 0)
		abort();
	close(fd);
	struct digest d;
	digest_init(&d);
	digest_update(&d, buf, k);
	digest_final(&d, out);
	free(buf);
	free(path);
}

#endif
