/* `boxcar save FILE --oci DIR | --oci-archive OUT | --docker-archive OUT`
 * and `boxcar push FILE docker://HOST/NAME[:TAG]`: a packed file as an
 * image again (pack/save.h, pack/push.h). */
#ifndef BOXCAR_CLI_SAVE_H
#define BOXCAR_CLI_SAVE_H

/* verb: "save" or "push"; argv[0] is the verb. Returns the exit status
 * (errors printed): 0, 1 when it failed, 2 for a usage error. */
int save_command(const char *verb, int argc, char **argv);

#endif
