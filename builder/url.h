/* ADD URL: a remote file, fetched whole (at most 256 MiB). */
#ifndef BOXCAR_URL_H
#define BOXCAR_URL_H
#include <stddef.h>
#include "../common/digest.h"
#include "../pack/image.h"

int is_url(const char *s);
/* The file name a URL gives (its path's last part; "index.html" for none). */
void url_name(const char *url, char *out, size_t cap);
/* Fetch url into a new file path; digest: the bytes' sha256. */
int url_fetch(const char *url, const struct pull_opts *po, const char *path, char digest[DIGEST_STR],
	      struct err *e);

#endif
