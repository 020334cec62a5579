/* libFuzzer target: OCI layout parsing (pack/oci.c): index.json, image
 * index, manifest and config JSON. Input: INDEX \0 MANIFEST \0 CONFIG; in
 * INDEX, "@M" becomes the manifest's digest, in MANIFEST "@C" the config's,
 * so the fuzzer reaches past the digest checks. */
#include <stdint.h>
#include <stdio.h>
#include "../../pack/sources.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *part[3];
	size_t len[3];
	char cfg[DIGEST_STR], man[DIGEST_STR], idx[DIGEST_STR], rel[128];
	if (!fuzz_split((const char *)data, size, part, len, 3))
		return 0;
	const char *dir = fuzz_dir();
	char blobs[256];
	snprintf(blobs, sizeof blobs, "%s/blobs/sha256", dir);
	mkdir_p(blobs, 0755);
	fuzz_write(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, NULL, idx);
	fuzz_write(dir, "blobs/sha256/tmp", part[2], len[2], NULL, cfg);
	snprintf(rel, sizeof rel, "blobs/sha256/%s", digest_hex(cfg));
	fuzz_write(dir, rel, part[2], len[2], NULL, cfg);
	char *subst[26] = { 0 };
	subst['C' - 'A'] = cfg;
	fuzz_write(dir, "blobs/sha256/tmp", part[1], len[1], subst, man);
	snprintf(rel, sizeof rel, "blobs/sha256/%s", digest_hex(man));
	fuzz_write(dir, rel, part[1], len[1], subst, man);
	subst['M' - 'A'] = man;
	fuzz_write(dir, "index.json", part[0], len[0], subst, idx);
	struct image img = { 0 };
	struct err e = { 0 };
	load_oci_dir(dir, NULL, &img, &e);
	image_free(&img);
	return 0;
}
