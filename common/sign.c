#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/eddsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "base64.h"
#include "digest.h"
#include "json.h"
#include "xio.h"


/* "PREFIX<base64 of 32 bytes>[ comment]" -> key */
static int key_parse(const char *text, const char *prefix, unsigned char key[32])
{
	unsigned char buf[64];
	size_t n = strlen(prefix);
	if (strncmp(text, prefix, n) != 0)
		return -1;
	text += n;
	size_t len = strcspn(text, " \t\r\n");
	if (len != 44 || b64_decode(text, len, buf, sizeof buf) != 32)   /* 44: 32 bytes, padded */
		return -1;
	memcpy(key, buf, 32);
	return 0;
}

static void key_format(const unsigned char key[32], const char *prefix, char out[SIGN_KEY_TEXT])
{
	char b64[48];
	b64_encode(key, 32, b64, sizeof b64);
	snprintf(out, SIGN_KEY_TEXT, "%s%s", prefix, b64);
}

int sign_pub_parse(const char *text, unsigned char pub[32])
{
	return key_parse(text, SIGN_PUB_PREFIX, pub);
}

void sign_pub_format(const unsigned char pub[32], char out[SIGN_KEY_TEXT])
{
	key_format(pub, SIGN_PUB_PREFIX, out);
}

void sign_key_id(const unsigned char pub[32], char out[17])
{
	struct digest d;
	char hex[DIGEST_STR];
	digest_init(&d);
	digest_update(&d, pub, 32);
	digest_final(&d, hex);
	snprintf(out, 17, "%.16s", digest_hex(hex));
}

int sign_load_pub(const char *path, unsigned char pub[32], struct err *e)
{
	char *text = read_file_at(AT_FDCWD, path, 4096, NULL);
	if (!text)
		return err_sys(e, EXIT_PACK, "cannot read public key %s", path);
	int rc = sign_pub_parse(text, pub);
	free(text);
	return rc < 0 ? err_set(e, EXIT_PACK, "%s is not a boxcar public key (want a line '%s...', made by `boxcar keygen`)",
				path, SIGN_PUB_PREFIX) : 0;
}

int sign_load_secret(const char *path, unsigned char seed[32], unsigned char pub[32], struct err *e)
{
	char *text = read_file_at(AT_FDCWD, path, 4096, NULL);
	if (!text)
		return err_sys(e, EXIT_PACK, "cannot read secret key %s", path);
	int rc = key_parse(text, SIGN_SECRET_PREFIX, seed);
	memset(text, 0, strlen(text));
	free(text);
	if (rc < 0)
		return err_set(e, EXIT_PACK, "%s is not a boxcar secret key (want a line '%s...', made by `boxcar keygen`)",
			       path, SIGN_SECRET_PREFIX);
	ed25519_sha512_public_key(pub, seed);
	return 0;
}

/* Write text to a new file (never an existing one). */
static int write_new(const char *path, const char *text, mode_t mode, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return err_sys(e, EXIT_PACK, errno == EEXIST ? "%s exists; not overwriting a key" : "cannot create %s", path);
	if (write_full(fd, text, strlen(text)) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		unlink(path);
		return err_sys(e, EXIT_PACK, "cannot write %s", path);
	}
	return 0;
}

int sign_keygen(const char *base, unsigned char pub[32], struct err *e)
{
	unsigned char seed[32];
	char line[SIGN_KEY_TEXT + 1], *key = NULL, *pubf = NULL;
	int rc = -1;
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		return err_sys(e, EXIT_PACK, "getrandom");
	ed25519_sha512_public_key(pub, seed);
	if (asprintf(&key, "%s.key", base) < 0 || asprintf(&pubf, "%s.pub", base) < 0) {
		err_set(e, EXIT_PACK, "out of memory");
		goto out;
	}
	if (access(pubf, F_OK) == 0) {
		err_set(e, EXIT_PACK, "%s exists; not overwriting a key", pubf);
		goto out;
	}
	key_format(seed, SIGN_SECRET_PREFIX, line);
	strcat(line, "\n");
	if (write_new(key, line, 0600, e) < 0)
		goto out;
	sign_pub_format(pub, line);
	strcat(line, "\n");
	if (write_new(pubf, line, 0644, e) < 0) {
		unlink(key);
		goto out;
	}
	rc = 0;
out:
	memset(seed, 0, sizeof seed);
	memset(line, 0, sizeof line);
	free(key);
	free(pubf);
	return rc;
}

int sign_message(const struct payload *p, char *msg, size_t cap, struct err *e)
{
	uint64_t end = payload_stub_end(p);
	char stub[DIGEST_STR];
	if (end > p->index_off)
		return err_set(e, EXIT_PACK, "the file's layer table is damaged");
	if (digest_range(p->fd, 0, end, stub) < 0)
		return err_sys(e, EXIT_PACK, "reading the file");
	snprintf(msg, cap, "boxcar signature v1\nstub %s\nindex %s\n", stub, p->index_sha);
	return 0;
}

int sign_make(const struct payload *p, const unsigned char seed[32], const unsigned char pub[32],
	      unsigned char sig[64], struct err *e)
{
	char msg[256];
	if (sign_message(p, msg, sizeof msg, e) < 0)
		return -1;
	ed25519_sha512_sign(pub, seed, strlen(msg), (const uint8_t *)msg, sig);
	return 0;
}

int sign_verify(const struct payload *p, const unsigned char pub[32], const char *file, struct err *e)
{
	char msg[256], want[17], got[17];
	sign_key_id(pub, want);
	if (!p->is_signed)
		return err_set(e, EXIT_PACK, "%s is not signed (a signature by key %s is required; `boxcar sign`)", file, want);
	sign_key_id(p->sig_pub, got);
	if (memcmp(p->sig_pub, pub, 32) != 0)
		return err_set(e, EXIT_PACK, "%s is signed by key %s, not by the trusted key %s", file, got, want);
	if (sign_message(p, msg, sizeof msg, e) < 0)
		return -1;
	if (!ed25519_sha512_verify(pub, strlen(msg), (const uint8_t *)msg, p->sig))
		return err_set(e, EXIT_PACK, "%s: the signature by key %s does not match; the file was changed after signing", file, got);
	return 0;
}
