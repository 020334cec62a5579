/* `boxcar ps | stop | kill | logs | rm`: containers started with
 * --boxcar-detach or --boxcar-name (state.h), without a daemon. */
#ifndef BOXCAR_LIFECYCLE_H
#define BOXCAR_LIFECYCLE_H

/* verb is argv[0]. Returns the exit status (errors printed). */
int lifecycle_command(const char *verb, int argc, char **argv);

#endif
