/* Base64 (RFC 4648, padded), over nettle: credentials in auth files and
 * Basic headers, signing keys. */
#ifndef BOXCAR_BASE64_H
#define BOXCAR_BASE64_H
#include <stddef.h>
#include <sys/types.h>

/* Decode in[0, n) into out (cap bytes). The decoded length, or -1 when the
 * text is not base64 or does not fit. */
ssize_t b64_decode(const char *in, size_t n, void *out, size_t cap);
/* Encode in[0, n) into out as a string (cap bytes, NUL included). The
 * text's length, or -1 when it does not fit. */
ssize_t b64_encode(const void *in, size_t n, char *out, size_t cap);

#endif
