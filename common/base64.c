#include "base64.h"

#include <nettle/base64.h>

ssize_t b64_decode(const char *in, size_t n, void *out, size_t cap)
{
	struct base64_decode_ctx ctx;
	size_t len = 0;
	if (BASE64_DECODE_LENGTH(n) > cap)
		return -1;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &len, out, n, in) || !base64_decode_final(&ctx))
		return -1;
	return (ssize_t)len;
}

ssize_t b64_encode(const void *in, size_t n, char *out, size_t cap)
{
	if (BASE64_ENCODE_RAW_LENGTH(n) >= cap)
		return -1;
	base64_encode_raw(out, n, in);
	out[BASE64_ENCODE_RAW_LENGTH(n)] = 0;
	return (ssize_t)BASE64_ENCODE_RAW_LENGTH(n);
}
