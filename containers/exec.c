#include "exec.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/xio.h"
#include "../runner/join.h"
#include "../runner/security.h"
#include "../stub/state.h"


static const char usage[] =
"usage: boxcar exec [-e K=V]... [-u UID[:GID]] [-w DIR] NAME CMD [ARGS...]\n"
"  runs CMD in the running container NAME: its namespaces, root, environment,\n"
"  working directory and user (-i and -t are accepted: stdio is passed through)\n";

struct exec_opts {
	const char *env[64];
	int nenv;
	const char *user, *cwd;
	char **argv;
	const char *name;
};

static int parse(int argc, char **argv, struct exec_opts *o, struct err *e)
{
	int i = 1;
	memset(o, 0, sizeof *o);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-i") || !strcmp(a, "-t") || !strcmp(a, "-it") || !strcmp(a, "-ti") ||
		    !strcmp(a, "--interactive") || !strcmp(a, "--tty"))
			continue;
		if (i + 1 >= argc)
			return err_set(e, EXIT_USAGE, "%s needs a value", a);
		if ((!strcmp(a, "-e") || !strcmp(a, "--env")) && o->nenv < 64 && strchr(argv[i + 1], '='))
			o->env[o->nenv++] = argv[++i];
		else if (!strcmp(a, "-u") || !strcmp(a, "--user"))
			o->user = argv[++i];
		else if (!strcmp(a, "-w") || !strcmp(a, "--workdir"))
			o->cwd = argv[++i];
		else
			return err_set(e, EXIT_USAGE, "unknown or bad exec option '%s'; see `boxcar exec --help`", a);
	}
	if (i + 1 >= argc)
		return err_set(e, EXIT_USAGE, "boxcar exec needs a container and a command");
	o->name = argv[i];
	o->argv = argv + i + 1;
	return 0;
}

/* -u UID[:GID] (numbers: the container's passwd is not the host's) */
static int parse_user(const char *user, struct runner_join *j, struct err *e)
{
	char *end, *gend = NULL;
	unsigned long u = strtoul(user, &end, 10), g = *end == ':' ? strtoul(end + 1, &gend, 10) : 0;
	if (end == user || (*end && (*end != ':' || gend == end + 1 || *gend)) || u > 0x7fffffff || g > 0x7fffffff)
		return err_set(e, EXIT_SETUP, "bad exec user '%s': give UID or UID:GID (numbers)", user);
	j->set_user = 1;
	j->uid = (uid_t)u;
	j->gid = *end == ':' ? (gid_t)g : (gid_t)-1;   /* -1: the app's */
	return 0;
}

/* Find the container's app and run the command beside it, under Docker's
 * default confinement. We stay in the host's namespaces (like docker's
 * client) and relay signals and status. */
static int enter(const struct exec_opts *o, struct err *e)
{
	struct state_rec r;
	int sfd = state_open(e);
	if (sfd < 0)
		return -1;
	int found = state_find(sfd, o->name, &r, e);
	close(sfd);
	if (found < 0)
		return -1;
	struct security sec = { .seccomp = 1, .no_new_privs = 1, .caps = security_default_caps };
	struct runner_join j = {
		.argv = o->argv, .env_add = o->env, .nenv = o->nenv, .cwd = o->cwd, .sec = &sec,
	};
	if (o->user && parse_user(o->user, &j, e) < 0)
		return -1;
	pid_t app = state_app(&r);
	if (!app)
		return err_set(e, EXIT_SETUP, "container %s is not running", o->name);
	j.ns_pid = j.app_pid = app;
	if (security_prepare(&sec, e) < 0)
		return -1;
	int rc = runner_join(&j, e);
	security_release(&sec);
	return rc;
}

int exec_command(int argc, char **argv)
{
	struct err e = { 0 };
	struct exec_opts o;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse(argc, argv, &o, &e) < 0)
		return err_print(&e);
	int rc = enter(&o, &e);
	return rc < 0 ? err_print(&e) : rc;
}
