/* boxcar keygen | sign | verify (common/sign.h has the format). */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/digest.h"
#include "../common/log.h"
#include "../common/sign.h"
#include "../common/xio.h"
#include "../pack/writer.h"

static int usage(const char *msg)
{
	fprintf(stderr, "boxcar: %s; usage: boxcar keygen [-o NAME] | sign FILE --key NAME.key [-o OUT] | "
		"verify FILE --pubkey NAME.pub\n", msg);
	return EXIT_USAGE;
}

/* FILE and "--opt VALUE" / "--opt=VALUE" pairs; NULL where absent. */
static int args(int argc, char **argv, const char **file, const char *const *names,
		const char **vals, int nopts)
{
	for (int i = 1; i < argc; i++) {
		int k, took = 0;
		for (k = 0; k < nopts && !took; k++) {
			size_t n = strlen(names[k]);
			if (!strncmp(argv[i], names[k], n) && argv[i][n] == '=')
				vals[k] = argv[i] + n + 1, took = 1;
			else if (!strcmp(argv[i], names[k]) && i + 1 < argc)
				vals[k] = argv[++i], took = 1;
		}
		if (took)
			continue;
		if (argv[i][0] == '-' || !file || **file)
			return -1;
		*file = argv[i];
	}
	return 0;
}

static int cmd_keygen(int argc, char **argv)
{
	const char *names[] = { "-o" }, *vals[1] = { "boxcar" };
	unsigned char pub[32];
	char id[17];
	struct err e = { 0 };
	if (args(argc, argv, NULL, names, vals, 1) < 0)
		return usage("bad keygen arguments");
	if (sign_keygen(vals[0], pub, &e) < 0)
		return err_print(&e);
	sign_key_id(pub, id);
	log_info("wrote %s.key (secret, keep it safe) and %s.pub (key id %s)", vals[0], vals[0], id);
	return 0;
}

/* Copy [0, len) of in to out. */
static int copy_prefix(int in, int out, uint64_t len, struct err *e)
{
	char buf[1 << 16];
	for (uint64_t off = 0; off < len; ) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(len - off), 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			size_t want = len - off < sizeof buf ? (size_t)(len - off) : sizeof buf;
			n = pread(in, buf, want, (off_t)off);
			if (n > 0 && write_full(out, buf, (size_t)n) < 0)
				return err_sys(e, EXIT_PACK, "writing the output");
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_sys(e, EXIT_PACK, "copying the file");
		off += (uint64_t)n;
	}
	return 0;
}

struct signed_args {
	const struct payload *p;
	const unsigned char *pub, *sig;
};

/* The signed file: everything up to the end of the index, the signature
 * block, a trailer with the SIGNED flag. */
static int signed_body(int fd, void *arg, struct err *e)
{
	const struct signed_args *a = arg;
	unsigned char block[PAYLOAD_SIG_BLOCK], trailer[PAYLOAD_TRAILER];
	payload_sig_encode(block, a->pub, a->sig);
	payload_trailer_encode(trailer, a->p->index_off, a->p->index_len, a->p->index_sha, PAYLOAD_FLAG_SIGNED);
	if (lseek(a->p->fd, 0, SEEK_SET) < 0 || copy_prefix(a->p->fd, fd, a->p->index_off + a->p->index_len, e) < 0)
		return e->code ? -1 : err_sys(e, EXIT_PACK, "reading the file");
	if (write_full(fd, block, sizeof block) < 0 || write_full(fd, trailer, sizeof trailer) < 0)
		return err_sys(e, EXIT_PACK, "writing the output");
	return 0;
}

static int cmd_sign(int argc, char **argv)
{
	const char *names[] = { "--key", "-o" }, *vals[2] = { NULL, NULL }, *file = "";
	unsigned char seed[32], pub[32], sig[64];
	char id[17];
	struct err e = { 0 };
	struct payload p;
	if (args(argc, argv, &file, names, vals, 2) < 0 || !*file || !vals[0])
		return usage("sign needs FILE and --key NAME.key");
	if (sign_load_secret(vals[0], seed, pub, &e) < 0)
		return err_print(&e);
	if (payload_open(file, NULL, &p, &e) < 0)
		return memset(seed, 0, sizeof seed), err_print(&e);
	int rc = sign_make(&p, seed, pub, sig, &e);
	memset(seed, 0, sizeof seed);
	if (rc == 0)
		rc = output_atomic(vals[1] ? vals[1] : file, signed_body,
				   &(struct signed_args){ &p, pub, sig }, &e);
	payload_close(&p);
	if (rc < 0)
		return err_print(&e);
	sign_key_id(pub, id);
	log_info("signed %s with key %s", vals[1] ? vals[1] : file, id);
	return 0;
}

/* Every layer's bytes against its digest. */
static int check_layers(const struct payload *p, const char *file, struct err *e)
{
	for (int i = 0; i < p->nlayers; i++) {
		const struct payload_layer *l = &p->layers[i];
		char got[DIGEST_STR];
		if (digest_range(p->fd, l->offset, l->size, got) < 0)
			return err_set(e, EXIT_PACK, "%s: layer %d is cut short; the file is damaged", file, i + 1);
		if (strcmp(got, l->digest) != 0)
			return err_set(e, EXIT_PACK, "%s: layer %d does not match its digest; the file was changed", file, i + 1);
	}
	return 0;
}

static int cmd_verify(int argc, char **argv)
{
	const char *names[] = { "--pubkey" }, *vals[1] = { NULL }, *file = "";
	unsigned char pub[32];
	char id[17];
	struct err e = { 0 };
	struct payload p;
	if (args(argc, argv, &file, names, vals, 1) < 0 || !*file || !vals[0])
		return usage("verify needs FILE and --pubkey NAME.pub");
	if (sign_load_pub(vals[0], pub, &e) < 0)
		return err_print(&e);
	if (payload_open(file, NULL, &p, &e) < 0) {
		e.code = EXIT_PACK;
		return err_print(&e);
	}
	int rc = sign_verify(&p, pub, file, &e) < 0 || check_layers(&p, file, &e) < 0 ? -1 : 0;
	int n = p.nlayers;
	payload_close(&p);
	if (rc < 0)
		return err_print(&e);
	sign_key_id(pub, id);
	printf("%s: signature by key %s OK; index and %d layer%s verified\n", file, id, n, n == 1 ? "" : "s");
	return 0;
}

int sign_command(const char *verb, int argc, char **argv)
{
	if (!strcmp(verb, "keygen"))
		return cmd_keygen(argc, argv);
	if (!strcmp(verb, "sign"))
		return cmd_sign(argc, argv);
	return cmd_verify(argc, argv);
}
