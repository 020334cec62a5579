/* Signed files: ed25519 (nettle) over the stub's and the index's SHA-256.
 * The index names every layer's digest and the config, and each layer is
 * checked against its digest as it is read, so the signature vouches for
 * the whole file.
 *
 * Keys are one line of text:
 *   public  "boxcar-ed25519 <base64 of the 32-byte key>"        (NAME.pub)
 *   secret  "boxcar-ed25519-secret <base64 of the 32-byte seed>" (NAME.key, 0600)
 * A key's id is the first 8 bytes of its SHA-256, in hex.
 *
 * Which files must be signed, and by whom, is the stub's policy (stub/trust.h). */
#ifndef BOXCAR_SIGN_H
#define BOXCAR_SIGN_H
#include "err.h"
#include "payload.h"

#define SIGN_PUB_PREFIX "boxcar-ed25519 "
#define SIGN_SECRET_PREFIX "boxcar-ed25519-secret "
#define SIGN_KEY_TEXT 96   /* room for either line, NUL included */

/* Parse a public key line (trailing text after the key is a comment). */
int sign_pub_parse(const char *text, unsigned char pub[32]);
void sign_pub_format(const unsigned char pub[32], char out[SIGN_KEY_TEXT]);
void sign_key_id(const unsigned char pub[32], char out[17]);
/* Read NAME.pub-style or NAME.key files. */
int sign_load_pub(const char *path, unsigned char pub[32], struct err *e);
int sign_load_secret(const char *path, unsigned char seed[32], unsigned char pub[32], struct err *e);
/* A new key pair in base.key (mode 0600) and base.pub; never overwrites. */
int sign_keygen(const char *base, unsigned char pub[32], struct err *e);

/* What is signed for p: the stub's and the index's digests. */
int sign_message(const struct payload *p, char *msg, size_t cap, struct err *e);
int sign_make(const struct payload *p, const unsigned char seed[32], const unsigned char pub[32],
	      unsigned char sig[64], struct err *e);
/* Does p carry a valid signature by pub? (e names why not; code 1.) */
int sign_verify(const struct payload *p, const unsigned char pub[32], const char *file, struct err *e);

#endif
