/* ADD's remote files: fetched with the registry client's HTTP stack
 * (pack/http.h: TLS options, retries), whole, into a scratch file. */
#include "url.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../common/xio.h"
#include "../pack/http.h"

#define URL_MAX (256u << 20)

int is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

void url_name(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t end = strcspn(p, "?#");
	while (end > 0 && p[end - 1] == '/')
		end--;
	const char *slash = memrchr(p, '/', end);
	const char *name = slash ? slash + 1 : p + end;   /* (a bare host names no file) */
	size_t n = (size_t)(p + end - name);
	snprintf(out, cap, "%.*s", (int)n, n ? name : "index.html");
}

int url_fetch(const char *url, const struct pull_opts *po, const char *path, char digest[DIGEST_STR],
	      struct err *e)
{
	struct http h;
	struct http_resp r = { 0 };
	if (http_init(&h, po->tls_verify, po->cert_dir, e) < 0)
		return -1;
	int rc = http_get(&h, url, NULL, URL_MAX, &r, e);
	if (rc == 0 && (r.status < 200 || r.status > 299))
		rc = err_set(e, EXIT_PACK, "%s: HTTP %ld", url, r.status);
	if (rc == 0) {
		struct digest d;
		digest_init(&d);
		digest_update(&d, r.body, r.len);
		digest_final(&d, digest);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write_full(fd, r.body, r.len) < 0 || close(fd) < 0)
			rc = err_sys(e, EXIT_PACK, "write %s", path);
	}
	http_resp_free(&r);
	http_free(&h);
	return rc;
}
