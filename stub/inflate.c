#include "inflate.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* a few buffers in flight: enough for the two sides to overlap, small
 * enough to stay in the caches */
enum { NBUF = 4, OUT_SIZE = 1 << 18, IN_SIZE = 1 << 18 };

struct inflate {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu: filled buffers are [tail, head) (mod NBUF); the caller
	 * holds buffer tail while `held` */
	unsigned head, tail;
	int held, done, stop;
	size_t len[NBUF];
	unsigned char *buf[NBUF];
	/* the thread's own */
	int fd;
	uint64_t off, left;
	struct progress *prog;
	struct digest d;
	ZSTD_DCtx *dctx;
	ZSTD_inBuffer in;
	unsigned char *inbuf;
	int broken;          /* zstd refused the stream */
	int ioerr;           /* errno of a failed read, or EIO at a short file */
};

/* Read (and hash) the next piece of the blob into inbuf. 0 at its end. */
static ssize_t fill_input(struct inflate *z)
{
	size_t n = z->left < IN_SIZE ? (size_t)z->left : IN_SIZE;
	if (n == 0)
		return 0;
	ssize_t r;
	do
		r = pread(z->fd, z->inbuf, n, (off_t)z->off);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		z->ioerr = r < 0 ? errno : EIO;
		return -1;
	}
	z->off += (uint64_t)r;
	z->left -= (uint64_t)r;
	digest_update(&z->d, z->inbuf, (size_t)r);
	if (z->prog)
		progress_add(z->prog, (uint64_t)r);
	z->in = (ZSTD_inBuffer){ z->inbuf, (size_t)r, 0 };
	return r;
}

/* Decompress into out until it is full or the blob ends. */
static void decompress_into(struct inflate *z, ZSTD_outBuffer *out)
{
	while (out->pos < out->size) {
		if (z->in.pos == z->in.size && fill_input(z) <= 0)
			return;
		size_t r = ZSTD_decompressStream(z->dctx, out, &z->in);
		if (ZSTD_isError(r)) {
			z->broken = 1;
			return;
		}
	}
}

static void *run(void *arg)
{
	struct inflate *z = arg;
	for (;;) {
		pthread_mutex_lock(&z->mu);
		while (z->head - z->tail == NBUF && !z->stop)
			pthread_cond_wait(&z->cv, &z->mu);
		int stop = z->stop;
		pthread_mutex_unlock(&z->mu);
		if (stop || z->broken || z->ioerr)
			break;
		unsigned slot = z->head % NBUF;
		ZSTD_outBuffer out = { z->buf[slot], OUT_SIZE, 0 };
		decompress_into(z, &out);
		int end = out.pos < out.size;   /* the blob ran out (or broke) */
		pthread_mutex_lock(&z->mu);
		if (out.pos) {
			z->len[slot] = out.pos;
			z->head++;
		}
		z->done = end;
		pthread_cond_broadcast(&z->cv);
		pthread_mutex_unlock(&z->mu);
		if (end)
			break;
	}
	/* the rest of the blob is only hashed: its digest decides whether a
	 * failure was damage */
	while (!z->ioerr && z->left && fill_input(z) > 0)
		;
	pthread_mutex_lock(&z->mu);
	z->done = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

static void inflate_free(struct inflate *z)
{
	for (int i = 0; i < NBUF; i++)
		free(z->buf[i]);
	free(z->inbuf);
	ZSTD_freeDCtx(z->dctx);
	free(z);
}

struct inflate *inflate_start(int fd, uint64_t off, uint64_t len, struct progress *prog,
			      struct err *e)
{
	struct inflate *z = calloc(1, sizeof *z);
	int ok = z && (z->inbuf = malloc(IN_SIZE)) && (z->dctx = ZSTD_createDCtx());
	for (int i = 0; ok && i < NBUF; i++)
		ok = (z->buf[i] = malloc(OUT_SIZE)) != NULL;
	if (!ok) {
		if (z)
			inflate_free(z);
		err_set(e, EXIT_SETUP, "out of memory");
		return NULL;
	}
	z->fd = fd, z->off = off, z->left = len, z->prog = prog;
	digest_init(&z->d);
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	int r = pthread_create(&z->thread, NULL, run, z);
	if (r != 0) {
		inflate_free(z);
		errno = r;
		err_sys(e, EXIT_SETUP, "start a thread");
		return NULL;
	}
	return z;
}

ssize_t inflate_next(struct inflate *z, const void **out)
{
	pthread_mutex_lock(&z->mu);
	if (z->held) {
		z->tail++;
		z->held = 0;
		pthread_cond_broadcast(&z->cv);
	}
	while (z->head == z->tail && !z->done)
		pthread_cond_wait(&z->cv, &z->mu);
	ssize_t n = 0;
	if (z->head != z->tail) {
		unsigned slot = z->tail % NBUF;
		*out = z->buf[slot];
		n = (ssize_t)z->len[slot];
		z->held = 1;
	}
	pthread_mutex_unlock(&z->mu);
	/* (broken and ioerr are final once done is set, and read under mu) */
	if (n == 0 && (z->broken || z->ioerr))
		return -1;
	return n;
}

int inflate_finish(struct inflate *z, char digest[DIGEST_STR], struct err *e)
{
	pthread_mutex_lock(&z->mu);
	z->stop = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	pthread_join(z->thread, NULL);
	int rc = 0;
	if (z->ioerr == EIO)
		rc = err_set(e, EXIT_SETUP, "reading the packed file: unexpected end of file");
	else if (z->ioerr)
		rc = err_set(e, EXIT_SETUP, "reading the packed file: %s", strerror(z->ioerr));
	else
		digest_final(&z->d, digest);
	inflate_free(z);
	return rc;
}
