/* libFuzzer target: docker-archive manifest.json and config (pack/docker.c).
 * Input: MANIFEST \0 CONFIG; the config is stored as "<its sha256>.json",
 * and "@C" in MANIFEST becomes that name. */
#include <stdint.h>
#include <stdio.h>
#include "../../pack/sources.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *part[2];
	size_t len[2];
	char cfg[DIGEST_STR], man[DIGEST_STR], name[DIGEST_HEX + 8];
	if (!fuzz_split((const char *)data, size, part, len, 2))
		return 0;
	const char *dir = fuzz_dir();
	fuzz_write(dir, "config.tmp", part[1], len[1], NULL, cfg);
	snprintf(name, sizeof name, "%s.json", digest_hex(cfg));
	fuzz_write(dir, name, part[1], len[1], NULL, cfg);
	char *subst[26] = { 0 };
	subst['C' - 'A'] = name;
	fuzz_write(dir, "manifest.json", part[0], len[0], subst, man);
	struct image img = { 0 };
	struct err e = { 0 };
	load_docker_dir(dir, NULL, "fuzz.tar", &img, &e);
	image_free(&img);
	return 0;
}
