#include "regclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/json.h"
#include "auth.h"

/* The registry's own words: {"errors":[{"code":..,"message":..}]} */
void regclient_error(const struct http_resp *r, char *out, size_t cap)
{
	cJSON *j = cJSON_Parse(r->body ? r->body : "");
	const cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
	const char *code = json_str(e0, "code"), *msg = json_str(e0, "message");
	snprintf(out, cap, "HTTP %ld%s%s%s%s", r->status, code ? " " : "", code ? code : "", msg ? ": " : "", msg ? msg : "");
	cJSON_Delete(j);
}

/* 1 when url is on the registry (the base, then '/'); an upload's
 * Location elsewhere (blob storage) gets no credentials. */
static int on_registry(const struct regclient *rc, const char *url)
{
	size_t n = strlen(rc->base);
	return !strncmp(url, rc->base, n) && (url[n] == '/' || url[n] == 0);
}

static int send_to(struct regclient *rc, const struct http_req *q, const char *url, struct http_resp *r,
		   struct err *e)
{
	struct http_req u = *q;
	char auth[sizeof rc->h.auth];
	u.url = url;
	if (on_registry(rc, url))
		return http_request(&rc->h, &u, r, e);
	memcpy(auth, rc->h.auth, sizeof auth);
	rc->h.auth[0] = 0;
	int ret = http_request(&rc->h, &u, r, e);
	memcpy(rc->h.auth, auth, sizeof auth);
	return ret;
}

int regclient_request(struct regclient *rc, const struct http_req *q, struct http_resp *r, struct err *e)
{
	char url[4096];
	if (strncmp(q->url, "https://", 8) && strncmp(q->url, "http://", 7))
		snprintf(url, sizeof url, "%s%s", rc->base, q->url);
	else
		snprintf(url, sizeof url, "%s", q->url);
	if (send_to(rc, q, url, r, e) < 0)
		return -1;
	if (r->status != 401 || !on_registry(rc, url))
		return 0;
	char challenge[sizeof r->www_auth];
	snprintf(challenge, sizeof challenge, "%s", r->www_auth);
	if (auth_answer(&rc->h, challenge, &rc->ref, rc->creds, e) < 0 || send_to(rc, q, url, r, e) < 0)
		return -1;
	if (r->status == 401)
		return err_set(e, EXIT_PACK, "%s: access denied%s", rc->shown,
			       rc->creds[0] ? " with these credentials" : "; give --creds USER:PASS or log in");
	return 0;
}

static int get_v2(struct regclient *rc, struct http_resp *r, struct err *e)
{
	struct http_req q = { .method = "GET", .url = "/v2/", .accept = "application/json", .max = 1 << 20 };
	return regclient_request(rc, &q, r, e);
}

/* https, or with --tls-verify=false plain http when https does not answer
 * (skopeo's behaviour for insecure registries). */
static int connect_registry(struct regclient *rc, struct err *e)
{
	struct http_resp r = { 0 };
	struct err first = { 0 };
	snprintf(rc->base, sizeof rc->base, "https://%s", rc->ref.api_host);
	int ret = get_v2(rc, &r, &first);
	if (ret < 0 && !rc->o->tls_verify && (first.kind == ERR_NET || first.kind == ERR_TLS)) {
		snprintf(rc->base, sizeof rc->base, "http://%s", rc->ref.api_host);
		ret = get_v2(rc, &r, e);
	} else if (ret < 0)
		*e = first;
	if (ret == 0 && r.status != 200 && r.status != 404) {
		char why[512];
		regclient_error(&r, why, sizeof why);
		ret = err_set(e, EXIT_PACK, "%s: the registry answered %s", rc->ref.domain, why);
	}
	if (ret < 0 && rc->o->tls_verify && e->kind == ERR_TLS)
		snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg),
			 " (a private CA: --cert-dir DIR; a plain-HTTP or self-signed test registry: --tls-verify=false)");
	http_resp_free(&r);
	return ret;
}

int regclient_open(struct regclient *rc, const char *ref, const struct pull_opts *o, struct err *e)
{
	memset(rc, 0, sizeof *rc);
	rc->o = o;
	if (reference_parse(ref, &rc->ref, e) < 0 ||
	    auth_creds(&rc->ref, o->creds, rc->creds, sizeof rc->creds, e) < 0 ||
	    http_init(&rc->h, o->tls_verify, o->cert_dir, e) < 0)
		return -1;
	reference_format(&rc->ref, rc->shown, sizeof rc->shown);
	return connect_registry(rc, e);
}

void regclient_close(struct regclient *rc)
{
	http_free(&rc->h);
	memset(rc->creds, 0, sizeof rc->creds);
}
