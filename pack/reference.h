/* Image references as Docker spells them: [HOST[:PORT]/]NAME[:TAG|@DIGEST],
 * normalised as Docker does ("alpine" = docker.io/library/alpine:latest). */
#ifndef BOXCAR_REFERENCE_H
#define BOXCAR_REFERENCE_H
#include "../common/digest.h"
#include "../common/err.h"

struct reference {
	char domain[256];    /* "docker.io", "quay.io", "127.0.0.1:5000" */
	char api_host[256];  /* where its API is: docker.io's is registry-1.docker.io */
	char name[256];      /* "library/alpine" */
	char tag[129];       /* "" when a digest is given */
	char digest[DIGEST_STR];
};

/* Parse ref (without "docker://"); errors name what is wrong (EXIT_USAGE). */
int reference_parse(const char *ref, struct reference *r, struct err *e);
/* "domain/name:tag" or "domain/name@digest", for messages. */
void reference_format(const struct reference *r, char *out, size_t cap);

#endif
