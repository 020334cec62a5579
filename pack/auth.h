/* Registry credentials and the WWW-Authenticate flows: anonymous, Basic,
 * and Bearer tokens from the challenge's realm (the distribution spec's
 * token authentication). */
#ifndef BOXCAR_AUTH_H
#define BOXCAR_AUTH_H
#include "http.h"
#include "reference.h"

struct challenge {
	char scheme[16];         /* "Bearer" or "Basic" */
	char realm[1024], service[256], scope[512];
};

/* Parse a WWW-Authenticate value; -1 if it is not one we can answer. */
int auth_parse_challenge(const char *value, struct challenge *c);
/* "USER:PASS" for r: flag (--creds) if given, else the first of
 * $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json and
 * $DOCKER_CONFIG/config.json (~/.docker/config.json) that has r's
 * registry. "" when none (anonymous). */
int auth_creds(const struct reference *r, const char *flag, char *out, size_t cap, struct err *e);
/* Answer the challenge: set h->auth (Basic, or a Bearer token fetched with
 * creds). */
int auth_answer(struct http *h, const char *www_auth, const struct reference *r, const char *creds,
		struct err *e);

#endif
