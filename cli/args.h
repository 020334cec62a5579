/* Options as docker spells them, and usage errors, for the verbs. */
#ifndef BOXCAR_ARGS_H
#define BOXCAR_ARGS_H

/* "boxcar: WHAT; see `boxcar help`" on stderr; returns EXIT_USAGE (2). */
int usage_error(const char *fmt, const char *arg);
/* "-x VALUE", "--long VALUE" or "--long=VALUE"; advances *i. NULL when
 * argv[*i] is not this option or its value is missing. */
const char *opt_value(int argc, char **argv, int *i, const char *sh, const char *lg);
/* Is a this option (either spelling, with or without "=VALUE")? */
int is_opt(const char *a, const char *sh, const char *lg);

#endif
