/* The packer's image model: what every source produces and the payload
 * writer consumes. */
#ifndef BOXCAR_IMAGE_H
#define BOXCAR_IMAGE_H
#include <stdint.h>
#include <cjson/cJSON.h>
#include "../common/digest.h"
#include "../common/err.h"

struct image_layer {
	char *path;                 /* the blob or tar file (any compression) */
	char digest[DIGEST_STR];    /* expected sha256 of the file, "" if unknown */
	char diff_id[DIGEST_STR];   /* expected sha256 of the tar, "" if unknown */
	/* verbatim: a layer of a packed file, copied as it is (already one
	 * zstd stream): [offset, offset+size) of path; digest, diff_id and
	 * usize known */
	int verbatim;
	uint64_t offset, size, usize;
};

struct image {
	cJSON *config;              /* OCI image config (owned) */
	struct image_layer *layers;
	int nlayers;
	char *tmpdir;               /* scratch dir of the source, removed by image_free */
	char *source;               /* the source as given */
	const char *platform;       /* --platform os/arch[/variant] asked for (an
				     * index resolves to it); NULL: linux/<this
				     * boxcar's arch> */
	cJSON *trust;               /* public keys the file requires a signature by
				     * (common/sign.h), or NULL; owned */
};

/* docker:// sources: skopeo's flags. */
struct pull_opts {
	const char *creds;          /* --creds USER:PASS */
	const char *cert_dir;       /* --cert-dir DIR */
	const char *platform;       /* --platform os/arch[/variant] */
	int tls_verify;             /* --tls-verify (default true) */
};

/* Config given on the command line (rootfs sources; also overrides). */
struct pack_config {
	const char *entrypoint, *cmd, *workdir, *user;
	const char **env;
	int nenv;
	struct pull_opts pull;
};

/* Apply pc to an image config (the whole OCI config): Env entries replace
 * those of the same name, the rest replace what is there (an Entrypoint
 * without a Cmd clears the Cmd, as in a Dockerfile). */
int image_config_apply(cJSON *config, const struct pack_config *pc, struct err *e);

/* Read SOURCE (oci:, oci-archive:, docker-archive:, rootfs:) into img. */
int source_load(const char *source, const struct pack_config *pc, struct image *img,
		struct err *e);
void image_free(struct image *img);
/* Append a layer; returns it (zeroed but for path, which it copies). */
struct image_layer *image_add_layer(struct image *img, const char *path);
/* A private scratch directory for the source (img->tmpdir). */
int image_tmpdir(struct image *img, struct err *e);
/* The architecture this boxcar's stub runs, in OCI's spelling ("amd64"). */
const char *image_arch(void);
/* The architecture (OCI's name) a --platform value asks for: "linux/arm64",
 * "linux/arm64/v8" -> "arm64"; NULL platform: this boxcar's own. 0, or -1
 * (EXIT_USAGE) naming the platforms boxcar has stubs for. */
int image_target_arch(const char *platform, const char **arch, struct err *e);
/* Check the config's architecture/os against img->platform's (or ours). */
int image_check_platform(const struct image *img, struct err *e);

#endif
