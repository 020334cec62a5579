/* boxcar save | push: the arguments; the work is pack/'s. */
#include "save.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "../common/log.h"
#include "../pack/push.h"
#include "../pack/image.h"
#include "../pack/save.h"

struct args {
	const char *file, *compress;
	const char *oci, *oci_archive, *docker_archive;   /* save's destinations */
	const char *dest;                                  /* push's docker://... */
	const char *tls_verify;
	struct pull_opts reg;
};

static int usage(const char *verb, const char *fmt, const char *arg)
{
	fprintf(stderr, "boxcar: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; usage: boxcar %s\n", !strcmp(verb, "save") ?
		"save FILE (--oci DIR[:TAG] | --oci-archive OUT.tar[:TAG] | --docker-archive OUT.tar[:NAME:TAG]) "
		"[--compress zstd|gzip|none]" :
		"push FILE docker://HOST[:PORT]/NAME[:TAG] [--creds U:P] [--cert-dir D] [--tls-verify=false] "
		"[--compress zstd|gzip]");
	return EXIT_USAGE;
}

/* The value slot of option a for this verb ("--x V" or "--x=V"), or NULL. */
static const char **slot(struct args *g, const char *verb, const char *a, size_t *namelen)
{
	const struct { const char *name, *verb; const char **slot; } opts[] = {
		{ "--compress", NULL, &g->compress }, { "--oci", "save", &g->oci },
		{ "--oci-archive", "save", &g->oci_archive }, { "--docker-archive", "save", &g->docker_archive },
		{ "--creds", "push", &g->reg.creds }, { "--cert-dir", "push", &g->reg.cert_dir },
	};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		size_t n = strlen(opts[i].name);
		if (strncmp(a, opts[i].name, n) || (a[n] && a[n] != '='))
			continue;
		*namelen = n;
		return !opts[i].verb || !strcmp(opts[i].verb, verb) ? opts[i].slot : NULL;
	}
	return NULL;
}

static int parse(const char *verb, int argc, char **argv, struct args *g)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], **s;
		size_t n = 0;
		if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
			log_level = LOG_QUIET;
		else if (!strcmp(a, "--verbose"))
			log_level = LOG_VERBOSE;
		else if (!strcmp(verb, "push") && (!strcmp(a, "--tls-verify") || !strncmp(a, "--tls-verify=", 13)))
			g->tls_verify = a[12] ? a + 13 : "true";
		else if ((s = slot(g, verb, a, &n))) {
			if (!a[n] && i + 1 == argc)
				return usage(verb, "%s needs a value", a);
			*s = a[n] ? a + n + 1 : argv[++i];
		} else if (a[0] == '-' && a[1])
			return usage(verb, "unknown option '%s'", a);
		else if (!g->file)
			g->file = a;
		else if (!strcmp(verb, "push") && !g->dest)
			g->dest = a;
		else
			return usage(verb, "unexpected argument '%s'", a);
	}
	if (!g->file)
		return usage(verb, "%s needs a packed FILE", verb);
	return 0;
}

static int run_save(struct args *g)
{
	struct save_opts o = { .enc = ENC_ZSTD };
	struct err e = { 0 };
	int n = !!g->oci + !!g->oci_archive + !!g->docker_archive;
	if (n != 1)
		return usage("save", "save needs one destination: --oci, --oci-archive or --docker-archive%s", "");
	o.format = g->oci ? SAVE_OCI : g->oci_archive ? SAVE_OCI_ARCHIVE : SAVE_DOCKER_ARCHIVE;
	o.dest = g->oci ? g->oci : g->oci_archive ? g->oci_archive : g->docker_archive;
	if (g->compress && export_enc_parse(g->compress, &o.enc) < 0)
		return usage("save", "--compress is zstd, gzip or none, not '%s'", g->compress);
	if (o.format == SAVE_DOCKER_ARCHIVE && g->compress && o.enc != ENC_NONE)
		return usage("save", "--docker-archive layers are plain tars (--compress %s is for OCI)", g->compress);
	if (o.format == SAVE_DOCKER_ARCHIVE)
		o.enc = ENC_NONE;
	if (!*o.dest)
		return usage("save", "the destination is empty%s", "");
	if (save_image(g->file, &o, &e) < 0)
		return err_print(&e);
	log_info("saved %s as %s:%s", g->file, g->oci ? "oci" : g->oci_archive ? "oci-archive" : "docker-archive", o.dest);
	return 0;
}

static int run_push(struct args *g)
{
	struct push_opts o = { .reg = g->reg, .enc = ENC_ZSTD };
	struct err e = { 0 };
	char digest[DIGEST_STR];
	o.reg.tls_verify = 1;
	if (!g->dest)
		return usage("push", "push needs a destination docker://HOST/NAME[:TAG]%s", "");
	if (strncmp(g->dest, "docker://", 9))
		return usage("push", "the destination is docker://HOST[:PORT]/NAME[:TAG], not '%s'", g->dest);
	if (g->tls_verify && strcmp(g->tls_verify, "true") && strcmp(g->tls_verify, "false"))
		return usage("push", "--tls-verify is true or false, not '%s'", g->tls_verify);
	o.reg.tls_verify = !g->tls_verify || !strcmp(g->tls_verify, "true");
	if (g->compress && (export_enc_parse(g->compress, &o.enc) < 0 || o.enc == ENC_NONE))
		return usage("push", "--compress is zstd or gzip, not '%s'", g->compress);
	o.dest = g->dest + 9;
	if (push_image(g->file, &o, digest, &e) < 0)
		return err_print(&e);
	printf("%s\n", digest);
	if (fflush(stdout) != 0)
		return EXIT_PACK;
	return 0;
}

static void on_signal(int sig)
{
	export_stop = sig;
}

/* save: a signal stops the layer being written; save's error path
 * removes what it made (a directory too, which a handler could not do
 * safely); then the signal is raised again. */
static int interruptible(struct args *g)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
		return EXIT_PACK;
	int rc = run_save(g);
	if (export_stop) {
		signal(export_stop, SIG_DFL);
		raise(export_stop);
	}
	return rc;
}

int save_command(const char *verb, int argc, char **argv)
{
	struct args g = { 0 };
	int rc = parse(verb, argc, argv, &g);
	if (rc)
		return rc;
	return !strcmp(verb, "save") ? interruptible(&g) : run_push(&g);
}
