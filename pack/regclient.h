/* A session with one repository of a registry (the OCI distribution API
 * v2), shared by the pull (registry.c) and the push (push.c): the
 * reference, the credentials, one HTTP handle, and the base URL that
 * answered (https, or plain http with --tls-verify=false, as skopeo does
 * for insecure registries). Requests answer one authentication challenge
 * (auth.h) and are retried on transient errors (http.h). */
#ifndef BOXCAR_REGCLIENT_H
#define BOXCAR_REGCLIENT_H
#include "http.h"
#include "image.h"
#include "reference.h"

struct regclient {
	struct reference ref;
	const struct pull_opts *o;
	struct http h;
	char creds[1100];
	char base[300];             /* "https://HOST" or "http://HOST" */
	char shown[700];            /* the reference, for messages */
};

/* Parse ref ("[HOST/]NAME[:TAG|@DIGEST]", without "docker://"), find the
 * credentials, and reach the registry's /v2/. 0, or -1 with e set (usage
 * errors EXIT_USAGE, the rest EXIT_PACK); regclient_close in both cases. */
int regclient_open(struct regclient *rc, const char *ref, const struct pull_opts *o, struct err *e);
void regclient_close(struct regclient *rc);
/* q->url is a path under the base ("/v2/...") or a whole URL (an upload's
 * Location). A 401 is answered once (credentials, token) and the request
 * sent again; a second 401 is an error that says what to give. Any other
 * status is the caller's. */
int regclient_request(struct regclient *rc, const struct http_req *q, struct http_resp *r, struct err *e);
/* The registry's own words for a failed response, for messages:
 * "HTTP 404 MANIFEST_UNKNOWN: manifest unknown". */
void regclient_error(const struct http_resp *r, char *out, size_t cap);

#endif
