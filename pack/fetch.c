/* http_fetch_blobs (http.h): blobs in parallel on curl's multi interface.
 * Each goes to PATH.partial, resumes from what is there (Range) when the
 * server allows it, is retried with backoff on transient errors, and is
 * renamed to PATH only once its digest matches: the blob cache never
 * holds a damaged blob under its name. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../common/log.h"
#include "../common/xio.h"

struct job {
	struct http_blob *b;
	CURL *c;
	int fd;                  /* the .partial file */
	uint64_t have;           /* bytes in it */
	int attempts, done, first_write;
	double not_before;       /* backoff: not started again before this */
	char partial[4200];
};

struct fetch {
	struct http *h;
	CURLM *m;
	struct curl_slist *hdrs;
	struct job *jobs;
	int n;
	uint64_t total, got;
	double last_progress;
	int tty;
	struct err *e;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t k = size * n;
	long status = 0;
	curl_easy_getinfo(j->c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 && status != 206)
		return 0;   /* an error page: not part of the blob */
	if (j->first_write && status == 200 && j->have) {
		/* the server ignored the range: start over */
		if (ftruncate(j->fd, 0) < 0 || lseek(j->fd, 0, SEEK_SET) < 0)
			return 0;
		j->have = 0;
	}
	j->first_write = 0;
	if (j->b->size && j->have + k > j->b->size)
		return 0;   /* longer than the manifest says */
	if (write_full(j->fd, p, k) < 0)
		return 0;
	j->have += k;
	return k;
}

static void progress(struct fetch *f, int final)
{
	if (!f->tty || (!final && now() - f->last_progress < 0.25))
		return;
	uint64_t got = 0;
	int done = 0;
	for (int i = 0; i < f->n; i++)
		got += f->jobs[i].have, done += f->jobs[i].done;
	f->last_progress = now();
	fprintf(stderr, "\rboxcar: pulling %d/%d blobs, %.1f of %.1f MB%s", done, f->n,
		got / 1e6, f->total / 1e6, final ? "\n" : "   ");
}

static int start(struct fetch *f, struct job *j)
{
	struct stat st;
	if (j->fd < 0) {
		snprintf(j->partial, sizeof j->partial, "%s.partial", j->b->path);
		j->fd = open(j->partial, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (j->fd < 0)
			return err_sys(f->e, EXIT_PACK, "cannot write %s", j->partial);
		/* another boxcar pulling the same blob: wait for it, then use its result */
		if (flock(j->fd, LOCK_EX) < 0)
			return err_sys(f->e, EXIT_PACK, "lock %s", j->partial);
		if (access(j->b->path, F_OK) == 0) {
			j->done = 1;
			return 0;
		}
	}
	if (fstat(j->fd, &st) < 0)
		return err_sys(f->e, EXIT_PACK, "stat %s", j->partial);
	j->have = (uint64_t)st.st_size;
	j->first_write = 1;
	if (j->have)
		log_debug("resuming %s at byte %llu", j->b->digest, (unsigned long long)j->have);
	if (!(j->c = curl_easy_init()))
		return err_set(f->e, EXIT_PACK, "out of memory");
	http_setup(j->c, f->h, f->hdrs);
	curl_easy_setopt(j->c, CURLOPT_URL, j->b->url);
	curl_easy_setopt(j->c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(j->c, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->c, CURLOPT_PRIVATE, j);
	if (j->have)
		curl_easy_setopt(j->c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)j->have);
	if (curl_multi_add_handle(f->m, j->c) != CURLM_OK)
		return err_set(f->e, EXIT_PACK, "cannot start a download");
	return 0;
}

/* The whole .partial against the digest; renamed into place when it matches. */
static int finish(struct fetch *f, struct job *j)
{
	char got[DIGEST_STR];
	struct stat st;
	int in = open(j->partial, O_RDONLY | O_CLOEXEC);
	int rc = in < 0 || fstat(in, &st) < 0 ? -1 : digest_range(in, 0, (uint64_t)st.st_size, got);
	if (in >= 0)
		close(in);
	if (rc < 0)
		return err_sys(f->e, EXIT_PACK, "read %s", j->partial);
	if (strcmp(got, j->b->digest) != 0) {
		unlink(j->partial);
		return err_set(f->e, EXIT_PACK, "blob %s: digest mismatch (got %s); the registry sent damaged data",
			       j->b->digest, got);
	}
	if (fsync(j->fd) < 0 || rename(j->partial, j->b->path) < 0)
		return err_sys(f->e, EXIT_PACK, "cannot store %s", j->b->path);
	j->done = 1;
	return 0;
}

/* One transfer ended: done, to retry, or failed. */
static int ended(struct fetch *f, struct job *j, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(j->c, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(f->m, j->c);
	curl_easy_cleanup(j->c);
	j->c = NULL;
	if (rc == CURLE_OK && (status == 200 || status == 206))
		return finish(f, j);
	if (status == 416 && ftruncate(j->fd, 0) == 0)   /* our partial was bad: from scratch */
		status = 503;
	int again = status == 429 || status >= 500 ||
		    (rc != CURLE_OK && rc != CURLE_WRITE_ERROR && rc != CURLE_SSL_CACERT_BADFILE &&
		     rc != CURLE_PEER_FAILED_VERIFICATION && rc != CURLE_COULDNT_RESOLVE_HOST);
	if (again && ++j->attempts < HTTP_ATTEMPTS) {
		j->not_before = now() + 0.25 * (1 << j->attempts);
		return 0;
	}
	if (rc == CURLE_WRITE_ERROR && j->b->size && j->have >= j->b->size)
		return err_set(f->e, EXIT_PACK, "blob %s is larger than its manifest says (%llu bytes)",
			       j->b->digest, (unsigned long long)j->b->size);
	if (status >= 400)
		return err_set(f->e, EXIT_PACK, "blob %s: HTTP %ld from %s", j->b->digest, status, j->b->url);
	return err_set(f->e, EXIT_PACK, "blob %s: %s", j->b->digest, curl_easy_strerror(rc));
}

static int loop(struct fetch *f, int parallel)
{
	for (;;) {
		int active = 0, left = 0, still;
		for (int i = 0; i < f->n; i++)
			active += f->jobs[i].c != NULL, left += !f->jobs[i].done;
		if (!left)
			return 0;
		for (int i = 0; i < f->n && active < parallel; i++) {
			struct job *j = &f->jobs[i];
			if (!j->done && !j->c && now() >= j->not_before) {
				if (start(f, j) < 0)
					return -1;
				active += j->c != NULL;
			}
		}
		if (curl_multi_perform(f->m, &still) != CURLM_OK ||
		    curl_multi_poll(f->m, NULL, 0, 100, NULL) != CURLM_OK)
			return err_set(f->e, EXIT_PACK, "download failed (curl multi)");
		CURLMsg *msg;
		int q;
		while ((msg = curl_multi_info_read(f->m, &q)))
			if (msg->msg == CURLMSG_DONE) {
				struct job *j;
				curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
				if (ended(f, j, msg->data.result) < 0)
					return -1;
			}
		progress(f, 0);
	}
}

int http_fetch_blobs(struct http *h, struct http_blob *b, int n, int parallel, struct err *e)
{
	struct fetch f = { .h = h, .n = n, .e = e, .tty = isatty(2) };
	int rc = -1;
	if (!(f.jobs = calloc((size_t)n + 1, sizeof *f.jobs)) || !(f.m = curl_multi_init()))
		goto out;
	if (h->auth[0])
		f.hdrs = curl_slist_append(NULL, h->auth);
	for (int i = 0; i < n; i++) {
		f.jobs[i].b = &b[i];
		f.jobs[i].fd = -1;
		/* cached: its mtime is its last use, for `boxcar cache prune` */
		f.jobs[i].done = utimensat(AT_FDCWD, b[i].path, NULL, AT_SYMLINK_NOFOLLOW) == 0;
		f.total += b[i].size;
	}
	rc = loop(&f, parallel);
	progress(&f, 1);
out:
	if (!f.jobs || !f.m)
		err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; f.jobs && i < n; i++) {
		if (f.jobs[i].c) {
			curl_multi_remove_handle(f.m, f.jobs[i].c);
			curl_easy_cleanup(f.jobs[i].c);
		}
		if (f.jobs[i].fd >= 0)
			close(f.jobs[i].fd);
	}
	if (f.m)
		curl_multi_cleanup(f.m);
	curl_slist_free_all(f.hdrs);
	free(f.jobs);
	return rc;
}
