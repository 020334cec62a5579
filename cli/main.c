/* `boxcar`: pack images into single executables, and run/inspect them
 * with docker's spelling. */
#include <errno.h>
#include <signal.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/log.h"
#include "../common/payload.h"
#include "../common/sign.h"
#include "../common/version.h"
#include "../stub/cachecmd.h"
#include "../containers/changes.h"
#include "../stub/doctor.h"
#include "../stub/options.h"
#include "../containers/exec.h"
#include "../containers/lifecycle.h"
#include "../containers/commit.h"
#include "../pack/image.h"
#include "args.h"
#include "buildcmd.h"
#include "save.h"
#include "sign.h"
#include "stubs.h"
#include "../pack/writer.h"

/* The stub, linked in as bytes (build/obj/stub_blob.S). */
extern const unsigned char boxcar_stub_start[], boxcar_stub_end[];

static const char usage[] =
"usage: boxcar pack SOURCE -o FILE [options]   pack an image into one executable\n"
"       boxcar build [-f Dockerfile] [-o FILE] [--target STAGE] [--build-arg K=V]... [--label K=V]...\n"
"              [--from-map NAME=SOURCE|FILE] [--no-cache] [--pull] [--network host|none] [--level N] [--quiet]\n"
"              [--platform linux/amd64|linux/arm64 (another arch's: no RUN)]\n"
"              [--oci DIR[:TAG] [--compress zstd|gzip|none]] [--docker-archive OUT.tar[:NAME:TAG]] CONTEXT\n"
"                                               build a Dockerfile into one executable (rootless)\n"
"       boxcar run FILE [-e K=V] [-v HOST:CTR[:ro]] [-w DIR] [-u USER]\n"
"                  [--entrypoint PROG] [--] [ARGS...]   run it, docker-style\n"
"       boxcar inspect FILE                     image config and layers as JSON\n"
"       boxcar ps [-a] | start NAME | stop [-t S] NAME | kill [-s SIG] NAME | logs [-f] NAME |\n"
"              rm [-f] NAME                     containers run with -d / --name\n"
"       boxcar diff NAME                        what a named container changed (A/C/D)\n"
"       boxcar commit NAME -o FILE [--cmd ..] [--entrypoint ..] [--env K=V] [--workdir D] [--user U]\n"
"                                               its image plus its changes, as a new file\n"
"       boxcar exec [-e K=V] [-u UID] [-w DIR] NAME CMD...   run CMD inside one\n"
"       boxcar save FILE --oci DIR[:TAG] | --oci-archive OUT.tar[:TAG] | --docker-archive OUT.tar[:NAME:TAG]\n"
"                  [--compress zstd|gzip|none]  the packed image as an image again, layer for layer\n"
"       boxcar push FILE docker://HOST[:PORT]/NAME[:TAG] [--creds USER:PASS] [--cert-dir DIR]\n"
"                  [--tls-verify=false] [--compress zstd|gzip]   to a registry; its digest on stdout\n"
"       boxcar cache ls|du|verify|prune [--older-than DURATION] [--all] | seed FILE DIR\n"
"       boxcar keygen [-o NAME]                 an ed25519 key pair: NAME.key, NAME.pub\n"
"       boxcar sign FILE --key NAME.key [-o OUT]   sign a packed file (index, layers, stub)\n"
"       boxcar verify FILE --pubkey NAME.pub    check its signature and every layer\n"
"       boxcar doctor                           can this host run boxcar files?\n"
"       boxcar version | help\n"
"SOURCE: oci:DIR[:TAG]  oci-archive:FILE[:TAG]  docker-archive:FILE[:NAME:TAG]\n"
"        docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST] (a registry; with --creds USER:PASS,\n"
"          --cert-dir DIR, --tls-verify=false)\n"
"        rootfs:DIR|TARBALL (with --entrypoint --cmd --env --workdir --user)\n"
"pack options: -o FILE, --level N (zstd, default 6), --quiet, --verbose,\n"
"  --platform linux/amd64|linux/arm64[/VARIANT] (an index's image, and the stub for it;\n"
"    default: this host's; the arm64 stub is stub-arm64 beside boxcar),\n"
"  --trust NAME.pub (the file then runs only when signed by that key; repeatable),\n"
"  --entrypoint/--cmd (JSON array or words), --env K=V, --workdir DIR, --user U\n"
"Exit status: 0 ok, 1 packing failed, 2 usage error; `run` exits as the container.\n";

static void remove_tmp(int sig)
{
	const char *p = (const char *)writer_tmp_path;
	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The rootfs config options: where each one's value goes. */
static const char **config_slot(struct pack_config *pc, const char *a, const char **name)
{
	const struct { const char *name; const char **slot; } opts[] = {
		{ "--entrypoint", &pc->entrypoint }, { "--cmd", &pc->cmd },
		{ "--workdir", &pc->workdir }, { "--user", &pc->user }, { "--env", pc->env },
		{ "--creds", &pc->pull.creds }, { "--cert-dir", &pc->pull.cert_dir },
		{ "--platform", &pc->pull.platform },
	};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (is_opt(a, NULL, opts[i].name)) {
			*name = opts[i].name;
			return opts[i].slot;
		}
	return NULL;
}

struct pack_args {
	struct pack_config pc;
	const char *src, *out;
	int level;
	cJSON *trust;   /* --trust keys, as key lines */
};

/* --trust NAME.pub: the key's line, for the index's "trust" list */
static int add_trust(struct pack_args *pa, const char *path)
{
	unsigned char pub[32];
	char line[SIGN_KEY_TEXT];
	struct err e = { 0 };
	if (sign_load_pub(path, pub, &e) < 0) {
		err_print(&e);
		return EXIT_USAGE;
	}
	sign_pub_format(pub, line);
	if (!pa->trust && !(pa->trust = cJSON_CreateArray()))
		return EXIT_PACK;
	cJSON_AddItemToArray(pa->trust, cJSON_CreateString(line));
	return 0;
}

/* A registry option given to `boxcar commit`, which pulls nothing. */
static int not_for_commit(const char *opt)
{
	return usage_error("%s is for pulling from a registry (boxcar pack docker://...); commit pulls nothing", opt);
}

/* Parse `boxcar pack` (or `commit`) arguments: the positional one goes to
 * pa->src. 0, or EXIT_USAGE after printing why. */
static int parse_pack(int argc, char **argv, const char *verb, struct pack_args *pa)
{
	const char *v, *name, **slot;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (is_opt(a, "-o", "--output")) {
			if (!(pa->out = opt_value(argc, argv, &i, "-o", "--output")))
				return usage_error("%s needs a file name", a);
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
			log_level = LOG_QUIET;
		else if (!strcmp(a, "--verbose"))
			log_level = LOG_VERBOSE;
		else if (is_opt(a, NULL, "--tls-verify")) {
			if (strcmp(verb, "pack"))
				return not_for_commit("--tls-verify");
			/* --tls-verify, --tls-verify=true|false (skopeo's spelling) */
			v = strchr(a, '=') ? a + strlen("--tls-verify=") : "true";
			if (strcmp(v, "true") && strcmp(v, "false"))
				return usage_error("--tls-verify is true or false, not '%s'", v);
			pa->pc.pull.tls_verify = !strcmp(v, "true");
		} else if (is_opt(a, NULL, "--trust")) {
			if (!(v = opt_value(argc, argv, &i, NULL, "--trust")))
				return usage_error("%s needs a public key file (NAME.pub)", a);
			int rc = add_trust(pa, v);
			if (rc)
				return rc;
		} else if (is_opt(a, NULL, "--level")) {
			v = opt_value(argc, argv, &i, NULL, "--level");
			char *end;
			pa->level = v ? (int)strtol(v, &end, 10) : 0;
			if (!v || *end || pa->level < 1 || pa->level > 19)
				return usage_error("--level needs a number from 1 to 19%s", "");
		} else if ((slot = config_slot(&pa->pc, a, &name))) {
			if (strcmp(verb, "pack") && (slot == &pa->pc.pull.creds || slot == &pa->pc.pull.cert_dir ||
						     slot == &pa->pc.pull.platform))
				return not_for_commit(name);
			if (!(v = opt_value(argc, argv, &i, NULL, name)))
				return usage_error("%s needs a value", name);
			if (slot == pa->pc.env)
				pa->pc.env[pa->pc.nenv++] = v;
			else
				*slot = v;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "boxcar: unknown %s option '%s'; see `boxcar help`\n", verb, a);
			return EXIT_USAGE;
		} else if (pa->src) {
			fprintf(stderr, "boxcar: %s takes one %s ('%s' is another); see `boxcar help`\n", verb,
				strcmp(verb, "pack") ? "NAME" : "SOURCE", a);
			return EXIT_USAGE;
		} else
			pa->src = a;
	}
	if (!pa->src)
		return usage_error(strcmp(verb, "pack") ? "commit needs a container NAME%s" : "pack needs a SOURCE%s", "");
	if (!pa->out)
		return usage_error("%s needs an output file: -o FILE", verb);
	return 0;
}

static void remove_tmp_on_signals(void)
{
	signal(SIGINT, remove_tmp);
	signal(SIGTERM, remove_tmp);
	signal(SIGHUP, remove_tmp);
}

/* pack SOURCE -o FILE, or commit NAME -o FILE */
static int cmd_pack(int argc, char **argv, const char *verb)
{
	struct pack_args pa = { .level = 6, .pc.pull.tls_verify = 1 };
	struct err e = { 0 };
	struct image img = { 0 };
	if (!(pa.pc.env = calloc((size_t)argc, sizeof *pa.pc.env)))
		return EXIT_PACK;
	int rc = parse_pack(argc, argv, verb, &pa);
	if (rc) {
		free(pa.pc.env);
		cJSON_Delete(pa.trust);
		return rc;
	}
	struct writer_opts wo = { .level = pa.level };
	if (stub_select(pa.pc.pull.platform, &wo, &e) < 0) {
		free(pa.pc.env);
		cJSON_Delete(pa.trust);
		return err_print(&e);
	}
	remove_tmp_on_signals();
	if (!strcmp(verb, "commit"))
		rc = commit_container(pa.src, &pa.pc, pa.trust, pa.out, &wo, &e);
	else {
		rc = source_load(pa.src, &pa.pc, &img, &e);
		img.trust = pa.trust;
		if (rc == 0)
			rc = payload_write(&img, pa.out, &wo, &e);
		image_free(&img);
	}
	stub_release(&wo);
	free(pa.pc.env);
	if (rc < 0)
		return err_print(&e);
	log_info("%s %s into %s", strcmp(verb, "pack") ? "committed" : "packed", pa.src, pa.out);
	return 0;
}

/* `boxcar run`'s flags are docker's spellings of the file's --boxcar-
 * options (stub/options.c's table). "-i", "-t" are accepted for habit's
 * sake: boxcar always runs that way. */
static const char *const run_ignored[] = { "-i", "-t", "-it", "-ti", "--interactive", "--tty" };
#define N_RUN_IGNORED (sizeof run_ignored / sizeof run_ignored[0])

/* The option whose docker spelling a is ("-e", "--env", "--env=X"); the
 * spelling matched goes to *sh or *lg (in buf). */
static const struct opt_def *docker_opt(const char *a, const char **sh, const char **lg, char buf[32])
{
	for (const struct opt_def *d = opt_table; d->name; d++) {
		for (const char *p = d->docker; p && *p; p += strspn(p, " ")) {
			size_t n = strcspn(p, " ");
			snprintf(buf, 32, "%.*s", (int)n, p);
			p += n;
			*sh = n == 2 ? buf : NULL;
			*lg = n == 2 ? NULL : buf;
			if (is_opt(a, *sh, *lg))
				return d;
		}
	}
	return NULL;
}

static int known_run_flag(const char *a)
{
	const char *sh, *lg;
	char buf[32];
	for (size_t k = 0; k < N_RUN_IGNORED; k++)
		if (!strcmp(a, run_ignored[k]))
			return 1;
	return docker_opt(a, &sh, &lg, buf) != NULL;
}

/* One docker-run flag at argv[*i] as a --boxcar-* option in *out
 * (malloc'd; NULL for flags that change nothing). -1 after printing a
 * usage error. */
static int run_flag(int argc, char **argv, int *i, char **out)
{
	const char *a = argv[*i], *v, *sh, *lg;
	char buf[32];
	*out = NULL;
	for (size_t k = 0; k < N_RUN_IGNORED; k++)
		if (!strcmp(a, run_ignored[k]))
			return 0;
	const struct opt_def *d = docker_opt(a, &sh, &lg, buf);
	if (!d)
		return usage_error("unknown run option '%s'", a), -1;
	if (d->arg == OPT_FLAG)
		return asprintf(out, "--boxcar-%s", d->name) < 0 ? -1 : 0;
	if (!(v = opt_value(argc, argv, i, sh, lg)))
		return usage_error("%s needs a value", a), -1;
	return asprintf(out, "--boxcar-%s=%s", d->name, v) < 0 ? -1 : 0;
}

/* nargv[1..n) are the options run_flag made */
static void free_argv(char **nargv, int n)
{
	for (int k = 1; k < n; k++)
		free(nargv[k]);
	free(nargv);
}

/* boxcar run [FLAGS] FILE [FLAGS] [--] [ARGS]: docker's flags become the
 * file's --boxcar-* options; then exec the file. Flags are taken before
 * FILE (docker's order) and right after it. */
static int cmd_run(int argc, char **argv)
{
	char **nargv = calloc((size_t)argc + 2, sizeof *nargv), *file = NULL;
	int n = 1, i = 2, dashdash = 0;
	if (!nargv)
		return EXIT_SETUP;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			dashdash = 1;
			i++;
			break;
		}
		if (argv[i][0] != '-' || !argv[i][1]) {
			if (file)
				break;
			file = argv[i];
			continue;
		}
		if (file && !known_run_flag(argv[i]))
			break;   /* after FILE, an unknown flag starts the app's ARGS */
		if (run_flag(argc, argv, &i, &nargv[n]) < 0)
			return free_argv(nargv, n), EXIT_SETUP;
		if (nargv[n])
			n++;
	}
	if (!file && dashdash && i < argc)
		file = argv[i++];
	if (!file) {
		usage_error("run needs a FILE%s", "");
		return free_argv(nargv, n), EXIT_SETUP;
	}
	struct err e = { 0 };
	struct payload p;
	if (payload_open(file, NULL, &p, &e) < 0)
		return free_argv(nargv, n), err_print(&e);
	int here = stub_runs_here(&p, file, &e);
	payload_close(&p);
	if (here < 0)
		return free_argv(nargv, n), err_print(&e);
	if (!strchr(file, '/') && asprintf(&file, "./%s", file) < 0)
		return EXIT_SETUP;
	nargv[0] = file;
	while (i < argc)
		nargv[n++] = argv[i++];
	execv(file, nargv);
	fprintf(stderr, "boxcar: cannot run %s: %s\n", file, strerror(errno));
	return EXIT_SETUP;
}

static int cmd_inspect(int argc, char **argv)
{
	struct err e = { 0 };
	struct payload p;
	if (argc != 3)
		return usage_error("inspect needs exactly one FILE%s", "");
	if (payload_open(argv[2], NULL, &p, &e) < 0)
		return err_print(&e);
	int rc = payload_print_index(&p, NULL) == 0 ? 0 : EXIT_PACK;
	payload_close(&p);
	return rc;
}

int main(int argc, char **argv)
{
	/* tar names are UTF-8; the C locale would make libarchive refuse them */
	setlocale(LC_CTYPE, "C.UTF-8");
	const char *verb = argc > 1 ? argv[1] : "help";
	if (!strcmp(verb, "pack") || !strcmp(verb, "commit"))
		return cmd_pack(argc, argv, verb);
	if (!strcmp(verb, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(verb, "build")) {
		/* (zstd 3: a build recompresses every base layer it imports; --level N to trade) */
		struct writer_opts wo = { boxcar_stub_start, (size_t)(boxcar_stub_end - boxcar_stub_start), 3, NULL };
		remove_tmp_on_signals();
		return build_command(argc - 1, argv + 1, &wo);
	}
	if (!strcmp(verb, "inspect"))
		return cmd_inspect(argc, argv);
	if (!strcmp(verb, "diff"))
		return diff_command(argc - 1, argv + 1);
	if (!strcmp(verb, "keygen") || !strcmp(verb, "sign") || !strcmp(verb, "verify")) {
		remove_tmp_on_signals();   /* (sign writes through output_atomic) */
		return sign_command(verb, argc - 1, argv + 1);
	}
	if (!strcmp(verb, "save") || !strcmp(verb, "push"))
		return save_command(verb, argc - 1, argv + 1);   /* (its own signal handling) */
	if (!strcmp(verb, "cache"))
		return cache_command(argc - 2, argv + 2);
	if (!strcmp(verb, "ps") || !strcmp(verb, "stop") || !strcmp(verb, "kill") || !strcmp(verb, "logs") ||
	    !strcmp(verb, "rm") || !strcmp(verb, "start"))
		return lifecycle_command(verb, argc - 1, argv + 1);
	if (!strcmp(verb, "exec"))
		return exec_command(argc - 1, argv + 1);
	if (!strcmp(verb, "doctor"))
		return argc == 2 ? doctor(DOCTOR_TOOL, NULL) : usage_error("doctor takes no arguments%s", "");
	if (!strcmp(verb, "version") || !strcmp(verb, "--version"))
		return argc != 2 ? usage_error("version takes no arguments%s", "") :
		       version_print(stdout, VERSION_BOXCAR) == 0 ? 0 : EXIT_PACK;
	if (!strcmp(verb, "help") || !strcmp(verb, "--help") || !strcmp(verb, "-h")) {
		fputs(usage, stdout);
		return argc > 1 ? 0 : EXIT_USAGE;
	}
	return usage_error("unknown command '%s'", verb);
}
