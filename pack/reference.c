#include "reference.h"

#include <stdio.h>
#include <string.h>

/* Docker's rule: the first component is a registry host when it has a '.'
 * or a ':', or is "localhost"; otherwise the image is on Docker Hub. */
static int is_host(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !strncmp(s, "localhost", 9));
}

/* Path components: [a-z0-9]+ joined by '.', '_', '__' or '-'s; '/' between. */
static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || s[0] == '/' || s[n - 1] == '/' || strstr(s, "//"))
		return 0;
	for (const char *p = s; *p; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (!alnum && !strchr("._-/", *p))
			return 0;
		if (!alnum && (p == s || p[-1] == '/' || p[1] == '/' || p[1] == 0) && *p != '/')
			return 0;   /* separators only inside a component */
	}
	return 1;
}

static int valid_tag(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return 0;
	return strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int reference_parse(const char *ref, struct reference *r, struct err *e)
{
	char rest[512];
	memset(r, 0, sizeof *r);
	if (strlen(ref) >= sizeof rest || !*ref)
		return err_set(e, EXIT_USAGE, "bad image reference '%s'", ref);
	const char *slash = strchr(ref, '/');
	if (slash && is_host(ref, (size_t)(slash - ref))) {
		if ((size_t)(slash - ref) >= sizeof r->domain)
			return err_set(e, EXIT_USAGE, "bad registry host in '%s'", ref);
		snprintf(r->domain, sizeof r->domain, "%.*s", (int)(slash - ref), ref);
		snprintf(rest, sizeof rest, "%s", slash + 1);
	} else {
		snprintf(r->domain, sizeof r->domain, "docker.io");
		snprintf(rest, sizeof rest, "%s", ref);
	}
	if (!strcmp(r->domain, "index.docker.io"))
		snprintf(r->domain, sizeof r->domain, "docker.io");
	char *at = strchr(rest, '@');
	if (at) {
		*at = 0;
		if (!digest_valid(at + 1))
			return err_set(e, EXIT_USAGE, "bad digest in '%s' (want sha256: and 64 hex digits)", ref);
		snprintf(r->digest, sizeof r->digest, "%s", at + 1);
	}
	char *colon = strrchr(rest, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = 0;
		if (!valid_tag(colon + 1))
			return err_set(e, EXIT_USAGE, "bad tag '%s' in '%s'", colon + 1, ref);
		snprintf(r->tag, sizeof r->tag, "%s", colon + 1);
	}
	if (!r->tag[0] && !r->digest[0])
		snprintf(r->tag, sizeof r->tag, "latest");
	if (!strcmp(r->domain, "docker.io") && !strchr(rest, '/'))
		snprintf(r->name, sizeof r->name, "library/%s", rest);
	else if (strlen(rest) < sizeof r->name)
		snprintf(r->name, sizeof r->name, "%s", rest);
	if (!valid_name(r->name))
		return err_set(e, EXIT_USAGE, "bad image name in '%s' (lowercase letters, digits, '.', '_', '-', '/')", ref);
	snprintf(r->api_host, sizeof r->api_host, "%s",
		 !strcmp(r->domain, "docker.io") ? "registry-1.docker.io" : r->domain);
	return 0;
}

void reference_format(const struct reference *r, char *out, size_t cap)
{
	if (r->digest[0])
		snprintf(out, cap, "%s/%s@%s", r->domain, r->name, r->digest);
	else
		snprintf(out, cap, "%s/%s:%s", r->domain, r->name, r->tag);
}
