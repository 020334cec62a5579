/* `boxcar keygen [-o NAME]`, `boxcar sign FILE --key NAME.key [-o OUT]`,
 * `boxcar verify FILE --pubkey NAME.pub` (common/sign.h). */
#ifndef BOXCAR_CLI_SIGN_H
#define BOXCAR_CLI_SIGN_H

/* verb: "keygen", "sign" or "verify"; argv[0] is the verb. Returns the
 * exit status (errors printed). */
int sign_command(const char *verb, int argc, char **argv);

#endif
