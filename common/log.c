#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum log_level log_level = LOG_NORMAL;

/* One write per line: a launcher and its extracting children share stderr,
 * and their lines must not interleave. */
static void vlog(const char *fmt, va_list ap)
{
	char line[2048];
	int n = snprintf(line, sizeof line, "boxcar: ");
	int k = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	n = k < 0 ? n : n + k > (int)sizeof line - 2 ? (int)sizeof line - 2 : n + k;
	line[n++] = '\n';
	fflush(stderr);
	ssize_t w = write(2, line, (size_t)n);
	(void)w;   /* (nothing to do when stderr is gone) */
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	if (log_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void progress_start(struct progress *p, const char *what, uint64_t total)
{
	*p = (struct progress){ .what = what, .total = total };
	p->t0_ms = p->last_ms = now_ms();
}

static void progress_draw(struct progress *p, uint64_t t)
{
	double secs = (double)(t - p->t0_ms) / 1000.0;
	double mb = (double)p->done / 1e6;
	fprintf(stderr, "\rboxcar: %s  %.1f", p->what, mb);
	if (p->total)
		fprintf(stderr, "/%.1f", (double)p->total / 1e6);
	fprintf(stderr, " MB  %.1f MB/s   ", secs > 0 ? mb / secs : 0.0);
	p->shown = 1;
}

void progress_add(struct progress *p, uint64_t n)
{
	p->done += n;
	if (log_level < LOG_NORMAL)
		return;
	uint64_t t = now_ms();
	if (t - p->t0_ms < 1000 || t - p->last_ms < 200)
		return;
	if (!p->shown && !isatty(2))
		return;
	p->last_ms = t;
	progress_draw(p, t);
}

void progress_end(struct progress *p)
{
	if (!p->shown)
		return;
	progress_draw(p, now_ms());
	fputc('\n', stderr);
}
