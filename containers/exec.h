/* `boxcar exec NAME CMD...`: run a command in a running container (one
 * started with --boxcar-detach or --boxcar-name): its namespaces, root,
 * environment, working directory and user, under Docker's default
 * confinement. */
#ifndef BOXCAR_EXEC_H
#define BOXCAR_EXEC_H

/* argv[0] is "exec". Returns the command's exit status, or 125/126/127. */
int exec_command(int argc, char **argv);

#endif
