/* libFuzzer target: what a registry (or the user) hands the registry source's
 * parsers: an image reference (pack/reference.c) and a WWW-Authenticate
 * challenge (pack/auth.c). Input: "REFERENCE\0CHALLENGE". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../pack/auth.h"
#include "../../pack/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	struct reference r;
	struct challenge c;
	struct err e = { 0 };
	char shown[1024];
	if (reference_parse(s, &r, &e) == 0) {
		reference_format(&r, shown, sizeof shown);
		if (strlen(r.name) == 0 || strlen(r.api_host) == 0)
			abort();   /* a parsed reference always names an image and a host */
	}
	size_t n = strlen(s);
	if (n < size)
		auth_parse_challenge(s + n + 1, &c);
	free(s);
	return 0;
}
