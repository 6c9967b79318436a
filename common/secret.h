/*
 * secret - short secrets the suite must replay (an APOP secret, later a
 * relay password), kept encrypted with a key only root and the mail owner
 * can read.
 *
 * The key is SECRET_KEY_LEN random bytes in a file (secret_key_file,
 * default $state_directory/secret.key) the master creates at start. A
 * secret is encrypted with AES-256-GCM under a fresh random 96-bit nonce
 * and stored as "{AES256-GCM}" followed by base64(nonce | ciphertext |
 * tag), so it fits a registry text field; decryption checks the tag, so a
 * changed record or another key is an error, never a wrong secret.
 *
 * Functions give 0 on success, -1 with *error_r (static text, or text
 * valid until the next call) on failure. Plaintext buffers are the
 * caller's to wipe.
 */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>
#include <sys/types.h>

#include "sbuf.h"

#define SECRET_KEY_LEN		32	/* AES-256 */
#define SECRET_MAX		255	/* longest plaintext secret */
#define SECRET_PREFIX		"{AES256-GCM}"
/* Longest encrypted form, without its NUL. */
#define SECRET_ENC_MAX		(sizeof(SECRET_PREFIX) - 1 + \
				 4 * ((12 + SECRET_MAX + 16 + 2) / 3))

struct secret_key {
	unsigned char bytes[SECRET_KEY_LEN];
};

/*
 * secret_key_load - read the key from path: exactly SECRET_KEY_LEN bytes,
 * else an error ("... is too short" etc.).
 */
int	secret_key_load(const char *path, struct secret_key *key,
	    const char **error_r);

/*
 * secret_key_create - if path does not exist, write SECRET_KEY_LEN random
 * bytes to it with mode, owned by uid:gid (-1 = leave as is), created
 * under a temporary name and renamed so a reader never sees half a key.
 * An existing file is left alone (its owner and mode are set again). 1
 * created, 0 already there, -1 with *error_r.
 */
int	secret_key_create(const char *path, uid_t uid, gid_t gid,
	    mode_t mode, const char **error_r);

/* secret_key_wipe - clear a key held in memory */
void	secret_key_wipe(struct secret_key *key);

/*
 * secret_encrypt - plain (1..SECRET_MAX bytes, no NUL) into its printable
 * encrypted form in out (replacing its contents).
 */
int	secret_encrypt(const struct secret_key *key, const char *plain,
	    struct sbuf *out, const char **error_r);

/*
 * secret_decrypt - an encrypted form back into buf (size bytes, at least
 * SECRET_MAX + 1), NUL-terminated. A malformed, truncated or tampered
 * value, or one made with another key, is an error.
 */
int	secret_decrypt(const struct secret_key *key, const char *enc,
	    char *buf, size_t size, const char **error_r);

/* secret_is_encrypted - does s look like an encrypted form? */
int	secret_is_encrypted(const char *s);

#endif
