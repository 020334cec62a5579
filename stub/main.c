/* The packed file's entry point: read our own payload, then run the image
 * (or answer an info option). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/payload.h"
#include "../common/xio.h"
#include "../common/version.h"
#include "cache.h"
#include "cachecmd.h"
#include "doctor.h"
#include "engine.h"
#include "flatten.h"
#include "hpc.h"
#include "launch.h"
#include "options.h"
#include "platform.h"
#include "seed.h"
#include "shared.h"
#include "state.h"
#include "trust.h"
#include "userns.h"

static const char usage_head[] =
"usage: %s [--boxcar-OPTION...] [ARGS...]\n"
"Runs the container image packed into this file (rootless). ARGS replace\n"
"the image's Cmd and reach its entrypoint untouched. Leading --boxcar-*\n"
"options (as docker run's; --boxcar-- ends them):\n";
static const char usage_tail[] =
"Cache: $BOXCAR_CACHE, else in a Slurm job $SLURM_TMPDIR/boxcar-UID (or $TMPDIR/boxcar-UID),\n"
"else $XDG_CACHE_HOME/boxcar, else ~/.cache/boxcar; $BOXCAR_CACHE_RO: a read-only one.\n"
"Signatures: with $BOXCAR_TRUST (a public key, or a file of them) or keys\n"
"packed in (boxcar pack --trust), the file runs only when signed by one.\n"
"Exit status: the entrypoint's (128+N if killed by signal N); 125 when boxcar\n"
"itself fails, 126 when the entrypoint cannot be executed, 127 when not found.\n";

/* A record for `boxcar ps` & co. (state.h): the file, its arguments, ports.
 * `boxcar start` runs the file again with BOXCAR_RESTART=ID: the same
 * record, and the same kept writable layer. */
static int record_open(const struct run_opts *o, const char *self, int argc, char **argv,
		       struct state_rec *r, struct err *e)
{
	const char *restart = getenv("BOXCAR_RESTART");
	int sfd = state_open(e);
	if (sfd < 0)
		return -1;
	if (restart) {
		char id[STATE_ID_LEN + 1];
		snprintf(id, sizeof id, "%s", restart);
		unsetenv("BOXCAR_RESTART");
		if (state_reuse(sfd, id, r, e) < 0)
			return close(sfd), -1;
		return sfd;
	}
	memset(r, 0, sizeof *r);
	if (!realpath("/proc/self/exe", r->file))
		snprintf(r->file, sizeof r->file, "%s", self);
	if (!getcwd(r->cwd, sizeof r->cwd))
		snprintf(r->cwd, sizeof r->cwd, "/");
	for (int i = 0; i < o->nargs; i++)
		snprintf(r->command + strlen(r->command), sizeof r->command - strlen(r->command), "%s%s",
			 i ? " " : "", o->args[i]);
	for (int i = 0; i < o->nports; i++) {
		const struct runner_port *pt = &o->ports[i];
		size_t k = strlen(r->ports);
		snprintf(r->ports + k, sizeof r->ports - k, "%s%s:%u->%u/%s", i ? ", " : "",
			 *pt->host_ip ? pt->host_ip : "0.0.0.0", pt->host_port, pt->ctr_port, pt->udp ? "udp" : "tcp");
	}
	if (state_create(sfd, o->name, r, e) < 0 || state_write_argv(sfd, r->id, argc - 1, argv + 1, e) < 0) {
		if (r->id[0])
			state_remove(sfd, r);
		close(sfd);
		return -1;
	}
	return sfd;
}

/* A named container keeps its writable layer in its store (the id map's):
 * STORE/containers/<id>/{upper,work}, removed by `boxcar rm`. */
static int keep_layer(const struct cache *c, struct state_rec *r, struct err *e)
{
	char dir[sizeof r->keep];
	int n = snprintf(dir, sizeof dir, "%s/containers", c->root);
	if (n < 0 || (size_t)n + STATE_ID_LEN + 2 > sizeof dir)
		return err_set(e, EXIT_SETUP, "cache path too long: %s", c->root);
	if (r->keep[0] && strncmp(r->keep, dir, (size_t)n) != 0)
		return err_set(e, EXIT_SETUP, "container %s keeps its changes under another id map (%s); "
			       "`boxcar rm %s` it or run with the same --boxcar-userns", r->name, r->keep, r->name);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(e, EXIT_SETUP, "create %s", dir);
	snprintf(r->keep, sizeof r->keep, "%s/%s", dir, r->id);
	if (mkdir(r->keep, 0700) < 0 && errno != EEXIST)
		return err_sys(e, EXIT_SETUP, "create %s", r->keep);
	return 0;
}

/* --boxcar-detach: the parent prints the id once the child (the
 * supervisor, in its own session, output to the record's log) is on its
 * way; returns 1 in the parent, 0 in the child. */
static int detach(int sfd, const struct state_rec *r, struct err *e)
{
	char log[STATE_ID_LEN + 8], c;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, EXIT_SETUP, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, EXIT_SETUP, "fork");
	if (pid > 0) {
		close(p[1]);
		int ok = read(p[0], &c, 1) == 1;
		close(p[0]);
		if (!ok)
			return err_set(e, EXIT_SETUP, "the container did not start (see `boxcar logs %s`)", r->id);
		printf("%s\n", r->id);
		return 1;
	}
	close(p[0]);
	snprintf(log, sizeof log, "%s/log", r->id);
	int fd = openat(sfd, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (setsid() < 0 || fd < 0 || in < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(EXIT_SETUP);
	close(fd), close(in);
	write_full(p[1], "y", 1);
	close(p[1]);
	return 0;
}

static int run(const struct payload *p, const struct run_opts *o, const char *self, int argc,
	       char **argv, struct err *e)
{
	struct cache c;
	struct userns u;
	struct state_rec rec = { 0 };
	int sfd = -1, rc = -1, detached = 0, restart = getenv("BOXCAR_RESTART") != NULL;
	char nswhy[sizeof e->msg] = "";
	enum userns_mode want = o->userns;
	if (o->engine == ENGINE_TRACE && engine_refuses(o, 0, e) < 0)
		return -1;
	/* one id: under trace, which makes no namespace (the one-id store's files
	 * are the caller's own); in a Slurm job, as ch-run and enroot (no
	 * newuidmap for each task, most of a step's added time; the store a seeded
	 * read-only cache serves; --boxcar-userns=subids where the image switches users) */
	if (want == USERNS_AUTO && (o->engine == ENGINE_TRACE || hpc_under_slurm()))
		want = USERNS_ROOT;
	if (o->root == ROOT_FLAT && o->name && !o->hold)
		return err_set(e, EXIT_SETUP, "--boxcar-name keeps the container's writable layer, and a flat root "
			       "has none: run it unnamed, or with --boxcar-root=overlay");
	if (userns_choose(want, &u, e) < 0)
		return -1;
	/* the state and the cache are opened (and checked) as ourselves; the
	 * cache is then filled inside the namespace when layers keep owners */
	if ((o->detach || o->name) && (sfd = record_open(o, self, argc, argv, &rec, e)) < 0)
		return -1;
	if (userns_cache_open(&u, &c, e) < 0)
		goto out;
	if (userns_enter(&u, e) < 0) {
		/* auto: the subordinate ids' namespace refused (unshare failed: we are in
		 * none), so the trace engine on the one-id store */
		if (!engine_fallback(o, NULL, 1, e, nswhy, sizeof nswhy))
			goto out;
		cache_close(&c);
		if (userns_choose(USERNS_ROOT, &u, e) < 0 || userns_cache_open(&u, &c, e) < 0) {
			if (sfd >= 0)
				close(sfd);
			return -1;
		}
	}
	if (cache_ensure(&c, p, self, e) < 0)
		goto out;
	/* (the shared container's holder keeps nothing: it may run on a flat root) */
	if (o->name && !o->hold && keep_layer(&c, &rec, e) < 0)
		goto out;
	if (o->detach && (rc = detach(sfd, &rec, e)) != 0) {
		if (rc > 0) {   /* the parent: done */
			cache_close(&c);
			close(sfd);
			return 0;
		}
		goto out;
	}
	detached = o->detach;   /* (in the child: its log has what follows) */
	snprintf(rec.userns, sizeof rec.userns, "%s", userns_name(u.mode));
	if (sfd >= 0 && state_write_info(sfd, &rec, e) < 0)
		goto out;
	rc = engine_launch(p, &c, o, &u, rec.keep[0] ? rec.keep : NULL, *nswhy ? nswhy : NULL, e);
out:
	cache_close(&c);
	if (sfd >= 0) {
		/* never started, or --boxcar-rm: no record */
		if ((rc < 0 && !detached && !restart) || (o->rm && (rc >= 0 || detached)))
			state_discard(sfd, &rec);
		else
			state_set_exit(sfd, rec.id, rc < 0 ? EXIT_SETUP : rc);
		close(sfd);
	}
	return rc;
}

/* --boxcar-cache-prune[=AGE|all]: `boxcar cache prune` for this cache */
static int prune(const struct run_opts *o, struct err *e)
{
	char *argv[4] = { "prune", NULL, NULL, NULL };
	if (o->nargs)
		return err_set(e, EXIT_SETUP, "--boxcar-cache-prune takes no arguments ('%s'); use --boxcar-cache-prune=AGE or =all", o->args[0]);
	if (!strcmp(o->cache_prune, "all"))
		argv[1] = "--all";
	else if (*o->cache_prune)
		argv[1] = "--older-than", argv[2] = (char *)o->cache_prune;
	int rc = cache_command(argv[2] ? 3 : argv[1] ? 2 : 1, argv);
	return rc == EXIT_USAGE ? EXIT_SETUP : rc;
}

int main(int argc, char **argv)
{
	/* tar names are UTF-8; the C locale would make libarchive refuse them */
	setlocale(LC_CTYPE, "C.UTF-8");
	if (argc == 2 && !strcmp(argv[1], SHARED_IDLE))   /* the shared container's holder's app */
		return shared_idle();
	struct err e = { 0 };
	struct run_opts o;
	struct payload p;
	const char *self = argc > 0 ? argv[0] : "boxcar";
	if (opts_parse(argc, argv, &o, &e) < 0) {
		opts_free(&o);
		return err_print(&e);
	}
	if (o.help) {
		printf(usage_head, self);
		opts_help(stdout);
		fputs(usage_tail, stdout);
		return 0;
	}
	if (o.doctor) {   /* (a file whose payload cannot be read is still a host to check) */
		struct err pe = { 0 };
		int have = payload_open("/proc/self/exe", self, &p, &pe) == 0;
		int rc = doctor(DOCTOR_FILE, have ? &p : NULL);
		if (have)
			payload_close(&p);
		opts_free(&o);
		return rc;
	}
	if (o.version) {
		return version_print(stdout, VERSION_STUB) == 0 ? 0 : EXIT_SETUP;
	}
	if (payload_open("/proc/self/exe", self, &p, &e) < 0) {
		opts_free(&o);
		return err_print(&e);
	}
	int rc;
	/* a file for another host, or whose image does not fit its stub, and a
	 * file that must be signed are checked before anything is extracted */
	if (!o.inspect && !o.cache_prune && !o.cache_seed && (platform_check(&p, self, &e) < 0 || trust_check(&p, self, &e) < 0)) {
		payload_close(&p);
		opts_free(&o);
		return err_print(&e);
	}
	if (o.inspect)
		rc = payload_print_index(&p, version_json(VERSION_STUB)) == 0 ? 0 : EXIT_SETUP;
	else if (o.verify_cache) {
		struct userns u;
		rc = userns_choose(o.userns, &u, &e) < 0 ? -1 : cache_verify_file(&p, self, &u);
	}
	else if (o.cache_prune)
		rc = prune(&o, &e);
	else if (o.cache_seed)
		rc = o.nargs ? err_set(&e, EXIT_SETUP, "--boxcar-cache-seed takes no arguments ('%s')", o.args[0])
			: cache_seed(&p, self, o.cache_seed, &e);
	else if (o.extract)
		rc = flatten(&p, o.extract, &e) < 0 ? -1 : 0;
	else if (o.join || o.share)
		rc = shared_join(&p, &o, argc, argv, &e);
	else if (o.hold && shared_hold_opts(&o, &e) < 0)
		rc = -1;
	else if ((rc = run(&p, &o, self, argc, argv, &e)) > 0 && e.code)
		rc = -1;   /* the container failed before its app ran: e says why (runner.h) */
	payload_close(&p);
	opts_free(&o);
	return rc < 0 ? err_print(&e) : rc;
}
