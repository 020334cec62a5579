#include "auth.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../common/base64.h"
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/xio.h"

/* key=value or key="quoted \"value\"", comma separated. */
int auth_parse_challenge(const char *v, struct challenge *c)
{
	memset(c, 0, sizeof *c);
	size_t n = strcspn(v, " ");
	if (n == 0 || n >= sizeof c->scheme)
		return -1;
	memcpy(c->scheme, v, n);
	v += n;
	while (*v) {
		char key[32], val[1024];
		size_t k = 0, m = 0;
		v += strspn(v, " ,");
		while (*v && *v != '=' && *v != ',' && k + 1 < sizeof key)
			key[k++] = *v++;
		key[k] = 0;
		if (*v != '=')
			break;
		v++;
		if (*v == '"') {
			for (v++; *v && *v != '"'; v++) {
				if (*v == '\\' && v[1])
					v++;
				if (m + 1 < sizeof val)
					val[m++] = *v;
			}
			if (*v == '"')
				v++;
		} else
			while (*v && *v != ',' && m + 1 < sizeof val)
				val[m++] = *v++;
		val[m] = 0;
		if (!strcasecmp(key, "realm"))
			snprintf(c->realm, sizeof c->realm, "%s", val);
		else if (!strcasecmp(key, "service"))
			snprintf(c->service, sizeof c->service, "%s", val);
		else if (!strcasecmp(key, "scope"))
			snprintf(c->scope, sizeof c->scope, "%s", val);
	}
	if (!strcasecmp(c->scheme, "Basic"))
		return 0;
	return !strcasecmp(c->scheme, "Bearer") && c->realm[0] ? 0 : -1;
}

/* "user:password" from an auth file's base64 text, as a string. */
static int b64_creds(const char *in, char *out, size_t cap)
{
	ssize_t len = cap ? b64_decode(in, strlen(in), out, cap - 1) : -1;
	if (len < 0)
		return -1;
	out[len] = 0;
	return 0;
}

/* auths[KEY].auth of one auth file, for r's registry. 1 found, 0 not. */
static int from_file(const char *path, const struct reference *r, char *out, size_t cap)
{
	static const char *const hub[] = { "https://index.docker.io/v1/", "index.docker.io", "docker.io",
					   "registry-1.docker.io" };
	char *text = read_file_at(AT_FDCWD, path, 1 << 20, NULL);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *auths = cJSON_GetObjectItemCaseSensitive(j, "auths");
	int found = 0;
	for (size_t i = 0; !found && i < 5; i++) {
		const char *key = i == 0 ? r->domain : strcmp(r->domain, "docker.io") ? NULL : hub[i - 1];
		const char *a = key ? json_str(cJSON_GetObjectItemCaseSensitive(auths, key), "auth") : NULL;
		found = a && b64_creds(a, out, cap) == 0 && strchr(out, ':');
	}
	cJSON_Delete(j);
	return found;
}

int auth_creds(const struct reference *r, const char *flag, char *out, size_t cap, struct err *e)
{
	char path[4096];
	const char *v;
	out[0] = 0;
	if (flag) {
		if (!strchr(flag, ':') || strlen(flag) >= cap)
			return err_set(e, EXIT_USAGE, "--creds wants USER:PASSWORD");
		snprintf(out, cap, "%s", flag);
		return 0;
	}
	if ((v = getenv("REGISTRY_AUTH_FILE")) && *v && from_file(v, r, out, cap))
		return 0;
	if ((v = getenv("XDG_RUNTIME_DIR")) && *v) {
		snprintf(path, sizeof path, "%s/containers/auth.json", v);
		if (from_file(path, r, out, cap))
			return 0;
	}
	if ((v = getenv("DOCKER_CONFIG")) && *v)
		snprintf(path, sizeof path, "%s/config.json", v);
	else
		snprintf(path, sizeof path, "%s/.docker/config.json", getenv("HOME") ? getenv("HOME") : "/");
	if (!from_file(path, r, out, cap))
		out[0] = 0;
	return 0;
}

static void set_basic(struct http *h, const char *creds)
{
	char b64[4 * 1024 / 3 + 8];   /* credentials are cut at 1024 bytes */
	size_t n = strlen(creds);
	if (b64_encode(creds, n > 1024 ? 1024 : n, b64, sizeof b64) < 0)
		b64[0] = 0;
	snprintf(h->auth, sizeof h->auth, "Authorization: Basic %s", b64);
}

/* "&scope=S" for each space-separated scope of the challenge (a push
 * with a cross-repository mount asks for two), escaped, appended to url. */
static void add_scopes(CURL *c, const char *scopes, char *url, size_t cap)
{
	char one[600];
	for (const char *p = scopes; *p; p += strspn(p, " ")) {
		size_t n = strcspn(p, " "), k = strlen(url);
		snprintf(one, sizeof one, "%.*s", (int)n, p);
		p += n;
		char *esc = curl_easy_escape(c, one, 0);
		if (esc && k < cap)
			snprintf(url + k, cap - k, "&scope=%s", esc);
		curl_free(esc);
	}
}

static int fetch_token(struct http *h, const struct challenge *c, const struct reference *r,
		       const char *creds, struct err *e)
{
	char scope[600], url[3072];
	struct http_resp resp = { 0 };
	snprintf(scope, sizeof scope, "%s", c->scope[0] ? c->scope : "");
	if (!scope[0])
		snprintf(scope, sizeof scope, "repository:%s:pull", r->name);
	char *svc = curl_easy_escape(h->curl, c->service, 0);
	snprintf(url, sizeof url, "%s%sservice=%s", c->realm, strchr(c->realm, '?') ? "&" : "?", svc ? svc : "");
	curl_free(svc);
	add_scopes(h->curl, scope, url, sizeof url);
	h->auth[0] = 0;
	if (*creds)
		set_basic(h, creds);
	int rc = http_get(h, url, "application/json", 1 << 20, &resp, e);
	h->auth[0] = 0;
	if (rc == 0 && resp.status != 200)
		rc = err_set(e, EXIT_PACK, "%s: the token server refused (HTTP %ld)%s", r->domain, resp.status,
			     *creds ? "; check the credentials" : "; give --creds USER:PASS or log in (docker/podman login)");
	cJSON *j = rc == 0 ? cJSON_Parse(resp.body) : NULL;
	const char *tok = json_str(j, "token");
	if (!tok)
		tok = json_str(j, "access_token");
	if (rc == 0 && (!tok || strlen(tok) + 32 > sizeof h->auth))
		rc = err_set(e, EXIT_PACK, "%s: the token server's answer has no usable token", r->domain);
	if (rc == 0)
		snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s", tok);
	cJSON_Delete(j);
	http_resp_free(&resp);
	return rc;
}

int auth_answer(struct http *h, const char *www_auth, const struct reference *r, const char *creds,
		struct err *e)
{
	struct challenge c;
	if (!*www_auth || auth_parse_challenge(www_auth, &c) < 0)
		return err_set(e, EXIT_PACK, "%s asks for an authentication boxcar does not speak ('%.80s')",
			       r->domain, www_auth);
	if (!strcasecmp(c.scheme, "Basic")) {
		if (!*creds)
			return err_set(e, EXIT_PACK, "%s needs credentials: give --creds USER:PASS or log in "
				       "(docker/podman login)", r->domain);
		set_basic(h, creds);
		return 0;
	}
	return fetch_token(h, &c, r, creds, e);
}
