/* The signing policy of a packed file (trust.h). */
#include "trust.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "../common/sign.h"
#include "../common/xio.h"

#define MAX_TRUST 16

/* Keys from BOXCAR_TRUST: a key, or a file of them (one per line). */
static int env_keys(unsigned char (*keys)[32], int *n, struct err *e)
{
	const char *v = getenv("BOXCAR_TRUST");
	if (!v || !*v)
		return 0;
	if (!strncmp(v, SIGN_PUB_PREFIX, strlen(SIGN_PUB_PREFIX))) {
		if (sign_pub_parse(v, keys[(*n)++]) < 0)
			return err_set(e, EXIT_SETUP, "BOXCAR_TRUST holds a damaged key; give a key from `boxcar keygen` or a file of them");
		return 0;
	}
	char *text = read_file_at(AT_FDCWD, v, 1 << 16, NULL);
	if (!text)
		return err_sys(e, EXIT_SETUP, "BOXCAR_TRUST: cannot read %s", v);
	int rc = 0;
	for (char *line = text, *next; rc == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!*line || *line == '#')
			continue;
		if (*n == MAX_TRUST || sign_pub_parse(line, keys[(*n)++]) < 0)
			rc = err_set(e, EXIT_SETUP, "BOXCAR_TRUST: %s holds a line that is not a boxcar public key (or over %d keys)", v, MAX_TRUST);
	}
	free(text);
	return rc;
}

int trust_check(const struct payload *p, const char *file, struct err *e)
{
	unsigned char keys[MAX_TRUST + 1][32];
	int n = 0;
	const cJSON *t, *trust = cJSON_GetObjectItemCaseSensitive(p->index, "trust");
	cJSON_ArrayForEach(t, trust) {
		if (n == MAX_TRUST || !cJSON_IsString(t) || sign_pub_parse(t->valuestring, keys[n++]) < 0)
			return err_set(e, EXIT_SETUP, "%s: its list of trusted keys is damaged", file);
	}
	if (env_keys(keys, &n, e) < 0)
		return -1;
	if (n == 0)
		return 0;
	struct err first = { 0 };
	for (int i = 0; i < n; i++) {
		struct err ke = { 0 };
		if (sign_verify(p, keys[i], file, &ke) == 0)
			return 0;
		if (i == 0 || (p->is_signed && !memcmp(p->sig_pub, keys[i], 32)))
			first = ke;   /* the most telling reason */
	}
	*e = first;
	e->code = EXIT_SETUP;
	return -1;
}
