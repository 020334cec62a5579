/* The one logger: progress and diagnostics go to stderr, never stdout. */
#ifndef BOXCAR_LOG_H
#define BOXCAR_LOG_H
#include <stdint.h>

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };
extern enum log_level log_level;

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress for long work: shown only on a terminal, only once the work has
 * run for about a second, and never in quiet mode. */
struct progress {
	const char *what;   /* "layer 2/5" */
	uint64_t total;     /* bytes expected, 0 if unknown */
	uint64_t done;
	uint64_t t0_ms, last_ms;
	int shown;
};
void progress_start(struct progress *p, const char *what, uint64_t total);
void progress_add(struct progress *p, uint64_t n);
void progress_end(struct progress *p);
uint64_t now_ms(void);

#endif
