#include "buildcmd.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../builder/build.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "../pack/export.h"
#include "../runner/net.h"
#include "args.h"
#include "stubs.h"

struct list {
	const char **v;
	int n;
};

static int push(struct list *l, const char *s)
{
	const char **n = realloc(l->v, ((size_t)l->n + 1) * sizeof *n);
	if (!n)
		return -1;
	l->v = n;
	n[l->n++] = s;
	return 0;
}

/* --from-map NAME=SOURCE, or a file of such lines ('#' comments). */
static int from_map(struct list *l, const char *v, char **owned)
{
	if (strchr(v, '='))
		return push(l, v);
	char *text = read_file_at(AT_FDCWD, v, 1 << 20, NULL);
	if (!text)
		return usage_error("--from-map %s: not NAME=SOURCE, and not a readable file of such lines", v);
	*owned = text;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		line += strspn(line, " \t");
		if (*line == '#' || !*line)
			continue;
		if (!strchr(line, '=') || push(l, line) < 0)
			return usage_error("--from-map file: a line is not NAME=SOURCE: %s", line);
	}
	return 0;
}

static int network(struct build_opts *o, const char *v)
{
	if (!strcmp(v, "host") || !strcmp(v, "default"))
		o->net = RUNNER_NET_HOST;
	else if (!strcmp(v, "none"))
		o->net = RUNNER_NET_NONE;
	else
		return usage_error("--network %s: RUN steps take host or none", v);
	return 0;
}

static int level(struct build_opts *o, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < 1 || n > 19)
		return usage_error("--level %s: a zstd level from 1 to 19", v);
	o->wo.level = (int)n;
	return 0;
}

static int compress(struct build_opts *o, const char *v)
{
	enum layer_enc enc;
	if (export_enc_parse(v, &enc) < 0)
		return usage_error("--compress %s: zstd, gzip or none (the --oci layout's layers)", v);
	o->oci_enc = (int)enc;
	return 0;
}

/* --platform: FROM's indexes resolve to it, and the file gets its stub */
static int platform(struct build_opts *o, const char *v)
{
	const char *arch;
	struct err e = { 0 };
	if (image_target_arch(v, &arch, &e) < 0)
		return err_print(&e);
	o->pull.platform = v;
	return 0;
}

static int parse(int argc, char **argv, struct build_opts *o, struct list *ba, struct list *lb,
		 struct list *fm, char **owned)
{
	const char *v;
	int rc = 0;
	for (int i = 1; rc == 0 && i < argc; i++) {
		const char *a = argv[i];
		if ((v = opt_value(argc, argv, &i, "-f", "--file"))) o->dockerfile = v;
		else if ((v = opt_value(argc, argv, &i, "-o", "--output"))) o->out = v;
		else if ((v = opt_value(argc, argv, &i, NULL, "--target"))) o->target = v;
		else if ((v = opt_value(argc, argv, &i, NULL, "--oci"))) o->oci = v;
		else if ((v = opt_value(argc, argv, &i, NULL, "--docker-archive"))) o->docker_archive = v;
		else if ((v = opt_value(argc, argv, &i, NULL, "--compress"))) rc = compress(o, v);
		else if ((v = opt_value(argc, argv, &i, NULL, "--build-arg"))) rc = push(ba, v);
		else if ((v = opt_value(argc, argv, &i, NULL, "--label"))) rc = push(lb, v);
		else if ((v = opt_value(argc, argv, &i, NULL, "--from-map"))) rc = from_map(fm, v, owned);
		else if ((v = opt_value(argc, argv, &i, NULL, "--network"))) rc = network(o, v);
		else if ((v = opt_value(argc, argv, &i, NULL, "--level"))) rc = level(o, v);
		else if ((v = opt_value(argc, argv, &i, NULL, "--platform"))) rc = platform(o, v);
		else if ((v = opt_value(argc, argv, &i, NULL, "--creds"))) o->pull.creds = v;
		else if ((v = opt_value(argc, argv, &i, NULL, "--cert-dir"))) o->pull.cert_dir = v;
		else if (!strcmp(a, "--tls-verify=false")) o->pull.tls_verify = 0;
		else if (!strcmp(a, "--tls-verify") || !strcmp(a, "--tls-verify=true")) o->pull.tls_verify = 1;
		else if (!strcmp(a, "--no-cache")) o->no_cache = 1;
		else if (!strcmp(a, "--pull")) o->pull_always = 1;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) log_level = LOG_QUIET;
		else if (a[0] == '-' && a[1])
			return usage_error(is_opt(a, NULL, a) && strchr(a, '=') == NULL ? "%s needs a value or is unknown"
					   : "unknown build option %s", a);
		else if (o->context)
			return usage_error("build takes one context directory (got '%s' too)", a);
		else
			o->context = a;
	}
	if (rc)
		return rc < 0 ? usage_error("out of memory%s", "") : rc;
	return o->context ? 0 : usage_error("build needs a context directory: boxcar build [OPTIONS] DIR%s", "");
}

int build_command(int argc, char **argv, const struct writer_opts *wo)
{
	struct build_opts o = { .wo = *wo, .net = RUNNER_NET_HOST, .pull.tls_verify = 1 };
	struct list ba = { 0 }, lb = { 0 }, fm = { 0 };
	char *owned = NULL;
	struct err e = { 0 };
	int rc = parse(argc, argv, &o, &ba, &lb, &fm, &owned);
	if (rc == 0 && o.pull.platform && stub_select(o.pull.platform, &o.wo, &e) < 0)
		rc = err_print(&e);
	if (rc == 0) {
		o.build_args = ba.v, o.nbuild_args = ba.n;
		o.labels = lb.v, o.nlabels = lb.n;
		o.from_map = fm.v, o.nfrom_map = fm.n;
		rc = build_run(&o, &e) < 0 ? err_print(&e) : 0;
	}
	stub_release(&o.wo);
	free(ba.v), free(lb.v), free(fm.v), free(owned);
	return rc;
}
