/* libFuzzer target: seccomp profiles in Docker's JSON format
 * (runner/profile.c), built into a filter and released, never loaded.
 * The first byte picks the capability set the includes/excludes see. */
#include <seccomp.h>
#include <stdint.h>
#include "../../runner/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint64_t caps = data[0] & 1 ? ~0ULL : 0xa80425fbULL;
	struct err e = { 0 };
	scmp_filter_ctx ctx = profile_build((const char *)data + 1, size - 1, caps, NULL, &e);
	if (ctx)
		seccomp_release(ctx);
	return 0;
}
