#include "http.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/version.h"
#include "../common/xio.h"

static const char *system_bundle(void)
{
	static const char *const known[] = {
		"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/ca-bundle.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
	};
	const char *v = getenv("SSL_CERT_FILE");
	if (v && *v)
		return v;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (access(known[i], R_OK) == 0)
			return known[i];
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && !strcmp(s + n - k, suffix);
}

static int append_file(int out, const char *path)
{
	size_t len;
	char *text = read_file_at(AT_FDCWD, path, 16u << 20, &len);
	if (!text)
		return -1;
	int rc = write_full(out, text, len) < 0 || write_full(out, "\n", 1) < 0 ? -1 : 0;
	free(text);
	return rc;
}

/* --cert-dir, as skopeo reads it: *.crt are CAs (added to the system's),
 * NAME.cert with NAME.key a client certificate. */
static int cert_dir_load(struct http *h, const char *dir, struct err *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return err_sys(e, EXIT_PACK, "--cert-dir %s", dir);
	const char *t = getenv("TMPDIR");
	h->tmpca = path_join(t && *t ? t : "/tmp", "boxcar-ca.XXXXXX");
	int fd = h->tmpca ? mkostemp(h->tmpca, O_CLOEXEC) : -1, rc = 0;
	if (fd < 0) {
		closedir(d);
		free(h->tmpca), h->tmpca = NULL;
		return err_sys(e, EXIT_PACK, "a temporary CA bundle");
	}
	if (h->cafile)
		append_file(fd, h->cafile);
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		char *p = path_join(dir, de->d_name);
		if (p && ends_with(de->d_name, ".crt") && append_file(fd, p) < 0)
			rc = err_sys(e, EXIT_PACK, "--cert-dir: cannot read %s", p);
		if (p && ends_with(de->d_name, ".cert")) {
			free(h->client_cert), free(h->client_key);
			h->client_cert = strdup(p);
			if ((h->client_key = strdup(p)))
				strcpy(h->client_key + strlen(p) - 4, "key");
		}
		free(p);
	}
	closedir(d);
	close(fd);
	free(h->cafile);
	h->cafile = strdup(h->tmpca);
	return rc;
}

int http_init(struct http *h, int verify, const char *cert_dir, struct err *e)
{
	memset(h, 0, sizeof *h);
	h->verify = verify;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h->curl = curl_easy_init()))
		return err_set(e, EXIT_PACK, "cannot set up HTTP (libcurl)");
	const char *sys = system_bundle();
	if (sys && !(h->cafile = strdup(sys)))
		return err_set(e, EXIT_PACK, "out of memory");
	if (cert_dir && cert_dir_load(h, cert_dir, e) < 0)
		return -1;
	if (!h->cafile && verify)
		return err_set(e, EXIT_PACK, "no CA certificates found (install ca-certificates, set SSL_CERT_FILE, "
			       "or give --cert-dir)");
	return 0;
}

void http_free(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->tmpca)
		unlink(h->tmpca);
	free(h->tmpca);
	free(h->cafile);
	free(h->client_cert);
	free(h->client_key);
	memset(h, 0, sizeof *h);
}

void http_setup(void *curl, const struct http *h, void *headers)
{
	CURL *c = curl;
	struct curl_slist *hdrs = headers;
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, (long)h->verify);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->verify ? 2L : 0L);
	if (h->cafile)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->cafile);
	if (h->client_cert && h->client_key) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->client_cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->client_key);
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);     /* a stalled transfer fails ... */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);     /* ... after a minute, and is retried */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "boxcar/" BOXCAR_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
}

static struct curl_slist *add_header(struct curl_slist *l, const char *name, const char *value)
{
	char line[512];
	struct curl_slist *n;
	snprintf(line, sizeof line, "%s: %s", name, value);
	if (!(n = curl_slist_append(l, line)))
		curl_slist_free_all(l);
	return n;
}

/* Accept, Content-Type, no "Expect: 100-continue" (a round trip per
 * upload), and the credentials. NULL when out of memory. */
static struct curl_slist *headers(const struct http *h, const char *accept, const char *ctype)
{
	struct curl_slist *l = curl_slist_append(NULL, "Expect:");
	if (l && accept)
		l = add_header(l, "Accept", accept);
	if (l && ctype)
		l = add_header(l, "Content-Type", ctype);
	if (l && h->auth[0] && !(l = curl_slist_append(l, h->auth)))
		return NULL;
	return l;
}

static int tls_failure(CURLcode c)
{
	return c == CURLE_SSL_CONNECT_ERROR || c == CURLE_PEER_FAILED_VERIFICATION ||
	       c == CURLE_SSL_CERTPROBLEM || c == CURLE_SSL_CIPHER || c == CURLE_SSL_CACERT_BADFILE ||
	       c == CURLE_SSL_ISSUER_ERROR || c == CURLE_SSL_CRL_BADFILE || c == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

static int transient(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_RECV_ERROR ||
	       c == CURLE_SEND_ERROR || c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE ||
	       c == CURLE_HTTP2 || c == CURLE_HTTP2_STREAM;
}

static int retry_status(long s)
{
	return s == 429 || s >= 500;
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, 250000000L << (attempt < 3 ? attempt : 3) };
	while (ts.tv_nsec >= 1000000000L)
		ts.tv_sec++, ts.tv_nsec -= 1000000000L;
	nanosleep(&ts, NULL);
}

struct membuf {
	struct http_resp *r;
	size_t max;
	int over;
};

static size_t mem_write(char *p, size_t size, size_t n, void *arg)
{
	struct membuf *m = arg;
	size_t k = size * n;
	if (m->r->len + k > m->max) {
		m->over = 1;
		return 0;
	}
	char *nb = realloc(m->r->body, m->r->len + k + 1);
	if (!nb)
		return 0;
	memcpy(nb + m->r->len, p, k);
	m->r->body = nb;
	m->r->len += k;
	nb[m->r->len] = 0;
	return k;
}

/* value of "Name: value" (len bytes at p) into out, if p is that header */
static int header_value(const char *p, size_t len, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(p, name, n) != 0 || p[n] != ':')
		return 0;
	size_t skip = n + 1 + strspn(p + n + 1, " \t");
	if (skip > len)
		skip = len;
	snprintf(out, cap, "%.*s", (int)(len - skip), p + skip);
	return 1;
}

/* Keep the headers of the last response (redirects give several). */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_resp *r = arg;
	size_t k = size * n, len = k;
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len > 5 && !strncmp(p, "HTTP/", 5))
		r->ctype[0] = r->www_auth[0] = r->location[0] = r->digest[0] = 0;
	else if (!header_value(p, len, "Content-Type", r->ctype, sizeof r->ctype) &&
		 !header_value(p, len, "WWW-Authenticate", r->www_auth, sizeof r->www_auth) &&
		 !header_value(p, len, "Location", r->location, sizeof r->location) &&
		 header_value(p, len, "Docker-Content-Digest", r->digest, sizeof r->digest) && !digest_valid(r->digest))
		r->digest[0] = 0;
	return k;
}

/* The body's bytes for curl, from memory or the file. */
struct body_src {
	const struct http_body *b;
	uint64_t pos;
};

static size_t body_read(char *buf, size_t size, size_t n, void *arg)
{
	struct body_src *s = arg;
	size_t want = size * n;
	if (want > s->b->len - s->pos)
		want = (size_t)(s->b->len - s->pos);
	if (want == 0)
		return 0;
	if (s->b->mem)
		memcpy(buf, (const char *)s->b->mem + s->pos, want);
	else if (pread_full(s->b->fd, buf, want, (off_t)(s->b->off + s->pos)) < 0)
		return CURL_READFUNC_ABORT;
	s->pos += want;
	if (s->b->progress)
		progress_add(s->b->progress, want);
	return want;
}

/* curl rewinds to send the body again (a redirect, an answered challenge). */
static int body_seek(void *arg, curl_off_t off, int origin)
{
	struct body_src *s = arg;
	if (origin != SEEK_SET || off < 0 || (uint64_t)off > s->b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	s->pos = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

/* The method and the body on the handle. */
static void set_method(CURL *c, const struct http_req *q, struct body_src *src)
{
	const char *m = q->method ? q->method : "GET";
	if (!strcmp(m, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (!strcmp(m, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(q->body ? q->body->len : 0));
	} else if (strcmp(m, "GET")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(q->body ? q->body->len : 0));
	}
	if (strcmp(m, "GET") && strcmp(m, "HEAD")) {
		src->pos = 0;
		curl_easy_setopt(c, CURLOPT_READFUNCTION, body_read);
		curl_easy_setopt(c, CURLOPT_READDATA, src);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, body_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, src);
		curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
	}
}

/* One attempt: 0 ok, else curl's code. */
static CURLcode attempt_once(struct http *h, const struct http_req *q, struct curl_slist *hdrs, struct membuf *m,
			     struct body_src *src)
{
	CURL *c = h->curl;
	http_resp_free(m->r);
	m->over = 0;
	curl_easy_reset(c);
	http_setup(c, h, hdrs);
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	set_method(c, q, src);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, m->r);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &m->r->status);
	return rc;
}

int http_request(struct http *h, const struct http_req *q, struct http_resp *r, struct err *e)
{
	static const struct http_body none = { "", -1, 0, 0, NULL };
	struct curl_slist *hdrs = headers(h, q->accept, q->ctype);
	struct membuf m = { r, q->max, 0 };
	struct body_src src = { q->body ? q->body : &none, 0 };
	CURLcode rc = CURLE_OK;
	if (!hdrs)
		return err_set(e, EXIT_PACK, "out of memory");
	for (int attempt = 0; attempt < HTTP_ATTEMPTS; attempt++) {
		rc = attempt_once(h, q, hdrs, &m, &src);
		if (rc == CURLE_OK && !retry_status(r->status))
			break;
		if (m.over || (rc != CURLE_OK && !transient(rc)))
			break;
		if (attempt + 1 < HTTP_ATTEMPTS)
			backoff(attempt);
	}
	curl_slist_free_all(hdrs);
	if (m.over)
		return err_set(e, EXIT_PACK, "%s: the response is larger than %zu bytes", q->url, q->max);
	if (rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_READ_ERROR)
		return err_set(e, EXIT_PACK, "%s: the data to send could not be read", q->url);
	if (rc != CURLE_OK)
		return err_kind((err_set(e, EXIT_PACK, "%s: %s", q->url, curl_easy_strerror(rc)), e),
				tls_failure(rc) ? ERR_TLS : ERR_NET);
	if (!r->body && !(r->body = calloc(1, 1)))
		return err_set(e, EXIT_PACK, "out of memory");
	return 0;
}

int http_get(struct http *h, const char *url, const char *accept, size_t max, struct http_resp *r,
	     struct err *e)
{
	struct http_req q = { .method = "GET", .url = url, .accept = accept, .max = max };
	return http_request(h, &q, r, e);
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}
