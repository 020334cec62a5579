/* HTTP(S) for registry pulls and pushes, on libcurl (built static on
 * mbedtls by build.sh). One handle per session: requests reuse its
 * connection; blobs are fetched in parallel, resumed where the server
 * allows ranges, retried with backoff on transient errors, with a progress
 * line on a terminal; a request's body (a blob pushed) streams from a file
 * and is sent again from its start when a request is retried. */
#ifndef BOXCAR_HTTP_H
#define BOXCAR_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include "../common/digest.h"
#include "../common/err.h"
#include "../common/log.h"

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
	char location[2048];     /* Location (an upload session's URL) */
	char digest[DIGEST_STR]; /* Docker-Content-Digest, "" when none or not valid */
};

/* A request body: len bytes at mem, or (mem NULL) [off, off+len) of fd,
 * read as it is sent, never whole into memory; a progress line on a
 * terminal when progress is given. */
struct http_body {
	const void *mem;
	int fd;
	uint64_t off, len;
	struct progress *progress;   /* counts what is sent (common/log.h), or NULL */
};

struct http_req {
	const char *method;      /* "GET", "HEAD", "POST", "PUT" or "PATCH" */
	const char *url;
	const char *accept;      /* Accept, or NULL */
	const char *ctype;       /* the body's Content-Type, or NULL */
	const struct http_body *body;   /* NULL: none */
	size_t max;              /* the most response body kept (more is an error) */
};

#define HTTP_ATTEMPTS 5   /* tries of a request or a blob on transient errors */

/* The options every transfer shares (TLS, redirects, timeouts, agent) on a
 * CURL handle, with headers (a struct curl_slist, or NULL). */
void http_setup(void *curl, const struct http *h, void *headers);
/* verify 0: certificates are not checked (self-signed test registries). */
int http_init(struct http *h, int verify, const char *cert_dir, struct err *e);
void http_free(struct http *h);
/* One request; the response (status, headers, body) in r. Transport
 * errors and 5xx/429 are retried (the body sent again from its start); any
 * other status is returned in r->status for the caller. 0, or -1 with e set
 * (kind ERR_NET or ERR_TLS when no answer came). */
int http_request(struct http *h, const struct http_req *q, struct http_resp *r, struct err *e);
/* GET url into r (at most max bytes): http_request's shorthand. */
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
