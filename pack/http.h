/* HTTP(S) for registry pulls, on libcurl (built static on mbedtls by
 * build.sh). One handle per pull: requests reuse its connection; blobs are
 * fetched in parallel, resumed where the server allows ranges, retried
 * with backoff on transient errors, with a progress line on a terminal. */
#ifndef BOXCAR_HTTP_H
#define BOXCAR_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include "../common/digest.h"
#include "../common/err.h"

struct http {
	void *curl;              /* CURL * */
	int verify;              /* verify TLS certificates */
	char *cafile;            /* CA bundle to trust (system's, plus --cert-dir's) */
	char *tmpca;             /* our combined bundle, removed by http_free */
	char *client_cert, *client_key;   /* from --cert-dir (NAME.cert + NAME.key) */
	char auth[8192];         /* "Authorization: ..." header, or "" */
};

struct http_resp {
	long status;
	char *body;              /* NUL-terminated, malloc'd */
	size_t len;
	char ctype[128];         /* Content-Type */
	char www_auth[2048];     /* WWW-Authenticate */
};

#define HTTP_ATTEMPTS 5   /* tries of a request or a blob on transient errors */

/* The options every transfer shares (TLS, redirects, timeouts, agent) on a
 * CURL handle, with headers (a struct curl_slist, or NULL). */
void http_setup(void *curl, const struct http *h, void *headers);
/* verify 0: certificates are not checked (self-signed test registries). */
int http_init(struct http *h, int verify, const char *cert_dir, struct err *e);
void http_free(struct http *h);
/* GET url into r (at most max bytes). Transport errors and 5xx/429 are
 * retried; any other status is returned in r->status for the caller. */
int http_get(struct http *h, const char *url, const char *accept, size_t max, struct http_resp *r,
	     struct err *e);
void http_resp_free(struct http_resp *r);

struct http_blob {
	char url[1024];
	char path[4096];         /* where it goes; PATH.partial while it comes */
	char digest[DIGEST_STR]; /* checked before PATH appears */
	uint64_t size;           /* expected (from the manifest) */
};
/* Fetch each blob not already at its path, `parallel` at a time. */
int http_fetch_blobs(struct http *h, struct http_blob *b, int n, int parallel, struct err *e);

#endif
