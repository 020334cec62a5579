/* `boxcar build`: a Dockerfile and its context to a packed file, rootless
 * and daemonless. RUN steps run in boxcar's own runtime (sandbox.h), each
 * RUN, COPY and ADD adds one layer, and a build cache (store.h) skips what
 * an earlier build did. */
#ifndef BOXCAR_BUILD_H
#define BOXCAR_BUILD_H
#include "../pack/image.h"
#include "../pack/writer.h"

struct build_opts {
	const char *context;          /* the context directory */
	const char *dockerfile;       /* -f (default CONTEXT/Dockerfile) */
	const char *out;              /* -o FILE, or NULL */
	const char *oci;              /* --oci DIR[:TAG]: also (or only) an OCI layout */
	const char *docker_archive;   /* --docker-archive FILE[:NAME[:TAG]]: also (or only) that */
	int oci_enc;                  /* --compress: enum layer_enc (pack/export.h) for --oci */
	const char *target;           /* --target STAGE, or NULL: the last */
	const char **build_args;      /* --build-arg K=V (or K: the environment's) */
	int nbuild_args;
	const char **labels;          /* --label K=V */
	int nlabels;
	const char **from_map;        /* --from-map NAME=SOURCE */
	int nfrom_map;
	int no_cache;
	int pull_always;              /* --pull: ask the registry again for FROM's images */
	int net;                      /* enum runner_net: host (default) or none */
	struct pull_opts pull;        /* FROM docker://: --creds, --tls-verify, --platform */
	struct writer_opts wo;
};

/* 0, or -1 with e set: 1 for a build that failed (naming the Dockerfile's
 * line), 2 for usage errors. */
int build_run(const struct build_opts *o, struct err *e);

#endif
